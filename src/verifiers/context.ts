/** What the lifecycle gives a verifier that turns one run into many test cases: the instance's exec and events. */
import type {InstanceSpec} from '../config/types.js'
import type {TaskResult} from '../model.js'

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface VerifyContext {
  /** The instance verified (its provisioner's settings too, for a verifier that runs the same tool). */
  spec: InstanceSpec
  /** The project folder on this machine. */
  root: string
  /**
   * Runs argv in the instance through the driver's exec, in the project folder with the instance's
   * and the verifier's environment plus `env`; output is collected, and logged under `task` if given.
   * With `user`, it runs as that user of the instance instead of root.
   */
  exec(argv: string[], options?: {env?: Record<string, string>; task?: string; user?: string}): Promise<ExecResult>
  /**
   * A test case (or a command that will yield several) begins: the `index`th of the verifier's
   * `total`. Reports number it among all the instance's tests.
   */
  start(name: string, index: number, total: number): void
  /** Text to show and log as a test case's output (an assertion's expected and found). */
  output(name: string, text: string): void
  /** A test case's result. */
  end(result: TaskResult): void
  /** Something the user should know that is not a result (installing bats, waiting for a retry). */
  note(message: string): void
  /** Waits, unless the run is interrupted first. */
  sleep(ms: number): Promise<void>
  signal: AbortSignal
}
