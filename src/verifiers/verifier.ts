/**
 * What the lifecycle gives a verifier that turns one run into many test cases (assert, bats, JUnit
 * ingestion), and the order the verifier's sections run in.
 */
import type {VerifierSettings} from '../config/types.js'
import type {TaskResult} from '../lifecycle/events.js'
import {assertionNames, runAssertions} from './assert.js'
import {runBats} from './bats.js'
import {runJunitCommands} from './junit.js'

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface VerifyContext {
  /**
   * Runs argv in the instance through the driver's exec, in the project folder with the instance's
   * and the verifier's environment plus `env`; output is collected, and logged under `task` if given.
   */
  exec(argv: string[], options?: {env?: Record<string, string>; task?: string}): Promise<ExecResult>
  /** A test case (or a command that will yield several) begins. */
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

/** Runs the verifier's assertions, bats files and JUnit commands in that order (shell tests run before, as tasks). */
export async function runCaseVerifiers(settings: VerifierSettings, ctx: VerifyContext): Promise<void> {
  if (settings.assert.length > 0) await runAssertions(settings.assert, ctx)
  if (settings.bats.length > 0) await runBats(settings.bats, ctx)
  if (settings.junit.length > 0) await runJunitCommands(settings.junit, ctx)
}

/** The test cases a verifier will report, as far as they are known before it runs (for skipped cases). */
export function plannedTests(settings: VerifierSettings): string[] {
  return [...settings.tests.map((t) => t.name), ...assertionNames(settings.assert), ...settings.bats.map((b) => `bats ${b}`), ...settings.junit.map((j) => j.name)]
}
