/**
 * Galley's vocabulary, below everything that runs: what a step or test is before it runs (a task
 * command), what it gave (a task result), an instance's plan and its result, and the environment
 * every command in an instance gets. Provisioners, verifiers, the lifecycle and the reporters all
 * speak these words; this module imports none of them.
 */
import type {InstanceSpec, SourceRef, TimeoutSetting} from './config/types.js'

export type {SourceRef} from './config/types.js'

export type Phase = 'pending' | 'image' | 'destroy' | 'create' | 'converge' | 'idempotence' | 'verify' | 'promote' | 'done'

/** `idempotence`: a step's re-check in the second converge. */
export type TaskKind = 'step' | 'test' | 'idempotence'

/** A judged command's outcome: why it failed, in one line, when it did. */
export interface Verdict {
  ok: boolean
  message?: string
}

/** A command the lifecycle runs inside an instance: what provisioners and verifiers turn recipes into. */
export interface TaskCommand {
  kind: TaskKind
  name: string
  argv: string[]
  env: Record<string, string>
  /** Exit code that counts as success. */
  expected: number
  /** Decides success from the exit code and the whole output, instead of `expected` (recipe tools). */
  judge?: (exitCode: number, output: string) => Verdict
  /** What runs, as the user wrote it or would type it (`test -f /etc/x`, `ansible-playbook site.yml`). */
  command?: string
  /** Where the step or test is written, for reports and CI annotations. */
  source?: SourceRef
  /** Its own time limit (`timeout:` on the step or test); the lifecycle applies the suite's otherwise. */
  timeout?: TimeoutSetting
}

export interface TaskResult {
  kind: TaskKind
  name: string
  ok: boolean
  exitCode: number
  /** The exit code that counts as passing. */
  expected: number
  durationMs: number
  /** The last lines of stdout and stderr, interleaved as they came. */
  outputTail: string
  /** Why it failed, one line; undefined when it passed. */
  message?: string
  /** A converge step restored from the step cache instead of run. */
  cached?: boolean
  /** A test its own runner skipped (bats `skip`, a skipped case in an ingested JUnit report); ok is true. */
  skipped?: boolean
  /** Where a test case came from inside its runner: a bats file, an ingested report's classname. */
  group?: string
  /** What ran (see TaskCommand.command). */
  command?: string
  /** Where the step or test is written: galley.yml's entry, its script, or the test file a runner names. */
  source?: SourceRef
}

/** One step or test of an instance's plan, as written, before anything runs. */
export interface PlanEntry {
  name: string
  command?: string
  source?: SourceRef
}

/**
 * What an instance will run, made once per run: its converge steps (shell steps, then the recipe
 * tool's) and the test cases its verifier will report, as far as they are known before it runs.
 * It travels with the instance's result, so every report lists the same steps and tests.
 */
export interface InstancePlan {
  steps: PlanEntry[]
  tests: PlanEntry[]
}

/**
 * A stretch of an instance's run, for timelines: an action (image, create, converge, idempotence,
 * verify, destroy, promote), or a step or test inside one. Times are milliseconds since the epoch.
 */
export interface TimelineSpan {
  phase: Phase
  /** Set for a step or test: which, and how it ended (a cached step takes no time). */
  task?: {kind: TaskKind; name: string; ok: boolean; cached?: boolean}
  start: number
  end: number
}

export type InstanceStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'interrupted'

export interface InstanceResult {
  instance: string
  suite: string
  platform: string
  driver: string
  /** The engine it ran on, for drivers that reach more than one: a pool engine's or a Docker context's name, or an address. */
  engine?: string
  image: string
  status: InstanceStatus
  /** Which action was running when it stopped (for failed and error). */
  failedIn?: Phase
  plan: InstancePlan
  steps: TaskResult[]
  tests: TaskResult[]
  /** The second converge's re-checks, when idempotence was asked for and converge passed. */
  idempotence?: TaskResult[]
  /** The failure or engine error, one paragraph. */
  message?: string
  startedAt: Date
  durationMs: number
  /** Which of the run's `concurrency` lanes it ran on (0, 1, …); undefined when it never started. */
  lane?: number
  /** Its actions and tasks in the order they ran. */
  timeline?: TimelineSpan[]
}

/** Where the project folder appears inside each instance; steps and tests run there. */
export const PROJECT_DIR = '/tmp/galley'

/** Runs a script of the project: executable scripts by their #! line, others with /bin/sh. */
export function scriptArgv(script: string): string[] {
  const file = `${PROJECT_DIR}/${script.replace(/^\.\//, '')}`
  // `exec` of a file with no #! line falls back to running it with sh (POSIX), in dash and busybox alike.
  return ['/bin/sh', '-c', 'chmod +x "$1" 2>/dev/null; exec "$1"', 'galley', file]
}

export function inlineArgv(command: string): string[] {
  return ['/bin/sh', '-c', command]
}

/** The variables every step and test of an instance gets, and every step's cache key covers. */
export function instanceEnv(spec: InstanceSpec): Record<string, string> {
  return {GALLEY_INSTANCE: spec.name, GALLEY_SUITE: spec.suite, GALLEY_PLATFORM: spec.platform.name}
}

/** `file:line`, or the file alone. */
export function formatSource(source: SourceRef | undefined): string | undefined {
  if (!source) return undefined
  return source.line ? `${source.file}:${source.line}` : source.file
}
