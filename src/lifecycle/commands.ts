/** A command the lifecycle runs inside an instance: what provisioners and verifiers turn recipes into. */
import type {SourceRef, TaskKind} from './events.js'

export interface TaskCommand {
  kind: TaskKind
  name: string
  argv: string[]
  env: Record<string, string>
  /** Exit code that counts as success. */
  expected: number
  /** Decides success from the exit code and the whole output, instead of `expected` (recipe tools). */
  judge?: (exitCode: number, output: string) => Verdict
  /** Where the step or test is written, for CI annotations. */
  source?: SourceRef
}

/** A judged command's outcome: why it failed, in one line, when it did. */
export interface Verdict {
  ok: boolean
  message?: string
}

/** Where the project folder is copied inside each instance; steps and tests run there. */
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
