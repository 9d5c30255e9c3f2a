/** The typed events a run emits; reporters subscribe, the lifecycle never prints. */
import {EventEmitter} from 'node:events'

export type Phase = 'pending' | 'image' | 'destroy' | 'create' | 'converge' | 'idempotence' | 'verify' | 'promote' | 'done'
/** `idempotence`: a step's re-check in the second converge. */
export type TaskKind = 'step' | 'test' | 'idempotence'

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
  /** Where the step or test is written: galley.yml's entry, its script, or the test file a runner names. */
  source?: SourceRef
}

export type {SourceRef} from '../config/types.js'
import type {SourceRef} from '../config/types.js'

export type InstanceStatus = 'passed' | 'failed' | 'error' | 'skipped' | 'interrupted'

export interface InstanceResult {
  instance: string
  suite: string
  platform: string
  driver: string
  image: string
  status: InstanceStatus
  /** Which action was running when it stopped (for failed and error). */
  failedIn?: Phase
  steps: TaskResult[]
  tests: TaskResult[]
  /** The second converge's re-checks, when idempotence was asked for and converge passed. */
  idempotence?: TaskResult[]
  /** The failure or engine error, one paragraph. */
  message?: string
  startedAt: Date
  durationMs: number
}

export interface RunEvents {
  'instance:phase': [{instance: string; phase: Phase}]
  'image:progress': [{instance: string; line: string}]
  'task:start': [{instance: string; kind: TaskKind; name: string; index: number; total: number}]
  'task:output': [{instance: string; kind: TaskKind; name: string; stream: 'stdout' | 'stderr'; text: string}]
  'task:end': [{instance: string; result: TaskResult}]
  'instance:done': [{result: InstanceResult}]
  /** Something a user should know that is not a task's output (for instance: a container left for inspection). */
  'instance:note': [{instance: string; message: string}]
}

export class RunEmitter extends EventEmitter<RunEvents> {}
