/**
 * One step or test under its instance's safeguards: a time limit, and the instance's pids and
 * memory limits. Over its time limit, or as soon as its processes hit a limit, the command is killed
 * with every process it started (the driver kills through the exec's signal), and it fails with a
 * message that names the limit, where it is set and how to raise it. A step that hit a limit fails
 * even when it exits 0, so it is never cached.
 */
import {setTimeout as sleep} from 'node:timers/promises'
import type {ContainerHandle, Driver, ExecOptions, LimitCounters} from '../../drivers/driver.js'
import type {InstanceSpec, TimeoutSetting} from '../config/types.js'
import {formatDuration, formatSize} from '../config/values.js'
import type {TaskCommand, TaskKind} from '../model.js'

/** Processes an instance may have at once unless `driver: {pids: N}` says otherwise (see README: limits). */
export const DEFAULT_PIDS = 1024
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000
export const DEFAULT_TEST_TIMEOUT_MS = 10 * 60_000
/** How often a running command's limit counters are read, so a fork bomb is stopped within about this. */
const LIMIT_POLL_MS = 1000
/** After a kill, how long the command may take to end before it is left to the instance's teardown. */
const KILL_WAIT_MS = 15_000
/** How long killing what an ended command left running takes (freeze, kill, thaw: about a second under a fork bomb). */
const KILL_SETTLE_MS = 2000
/** The status of a command killed by SIGKILL (128 + 9). */
const KILLED = 137

/**
 * A command's time limit: its own `timeout:`, else --timeout (`flagMs`), else its suite's
 * (`provisioner.timeout` for steps and their re-checks, `verifier.timeout` for tests), else the default.
 */
export function timeoutFor(cmd: Pick<TaskCommand, 'kind' | 'timeout'>, spec: InstanceSpec, flagMs?: number): TimeoutSetting {
  if (cmd.timeout) return cmd.timeout
  if (flagMs !== undefined) return {ms: flagMs, where: '--timeout'}
  const test = cmd.kind === 'test'
  const suite = test ? spec.verifier.timeout : spec.provisioner.timeout
  if (suite) return suite
  return test ? {ms: DEFAULT_TEST_TIMEOUT_MS, where: "Galley's default for tests"} : {ms: DEFAULT_STEP_TIMEOUT_MS, where: "Galley's default for steps"}
}

export interface Safeguards {
  timeout: TimeoutSetting
  /** The run's interrupt: it kills the command too. */
  signal: AbortSignal
  spec: InstanceSpec
  /** What the instance's commands left: one object per instance, carried from command to command. */
  watch?: LimitWatch
}

/**
 * The counters after an instance's last command, and how to kill what that command left running:
 * a process it left behind (an engine may end an exec when its first process ends) may hit a limit
 * after it ended, which the next command then sees.
 */
export interface LimitWatch {
  counters?: LimitCounters
  leftovers?: AbortController
}

export interface GuardedExit {
  exitCode: number
  /** Why a safeguard failed the command, whatever its exit code; undefined when none did. */
  failure?: string
}

const what = (kind: TaskKind, name: string) => `${kind === 'test' ? 'test' : 'step'} \`${name}\``

/** Why a command that ran over its time limit failed, and how to raise the limit. */
export function timeoutMessage(kind: TaskKind, name: string, timeout: TimeoutSetting): string {
  const raise = kind === 'test' ? '`timeout:` on the test, `verifier: {timeout: ...}`' : '`timeout:` on the step, `provisioner: {timeout: ...}`'
  return `${what(kind, name)} ran over its time limit of ${formatDuration(timeout.ms)} (set by ${timeout.where}) and was killed with every process it started; raise it with ${raise} or --timeout`
}

/**
 * Why a command whose processes hit a limit failed, and how to raise the limit; undefined when none
 * was hit. `who` says whose processes: the command's (default), or those an earlier one left running.
 */
export function limitMessage(kind: TaskKind, name: string, spec: InstanceSpec, before: LimitCounters, after: LimitCounters, who = what(kind, name)): string | undefined {
  const forks = after.pids - before.pids
  const kills = after.memory - before.memory
  if (forks > 0) {
    const pids = spec.driver.pids ?? DEFAULT_PIDS
    const set = spec.driver.pids ? 'set by driver.pids' : "Galley's default"
    return `${who} hit the instance's pids limit of ${pids} processes (${set}): ${forks} ${forks === 1 ? 'fork was' : 'forks were'} refused; a recipe that needs more can raise it with \`driver: {pids: ${pids * 4}}\``
  }
  if (kills > 0) {
    const memory = spec.driver.memory
    const limit = memory ? `the instance's memory limit of ${formatSize(memory)} (set by driver.memory)` : 'the memory of the host (no memory limit is set)'
    return `${who} ran out of ${limit}: the kernel killed ${kills} ${kills === 1 ? 'process' : 'processes'} for want of memory` + (memory ? `; raise it with \`driver: {memory: ${formatSize(memory * 2)}}\`` : '')
  }
  return undefined
}

/**
 * Runs `argv` in the container under the safeguards: resolves to its exit code and, when its time
 * limit ran out or its processes hit a limit of the instance, the failure that says so.
 */
export async function execGuarded(driver: Driver, handle: ContainerHandle, cmd: Pick<TaskCommand, 'kind' | 'name' | 'argv'>, options: Omit<ExecOptions, 'signal'>, guards: Safeguards): Promise<GuardedExit> {
  const kill = new AbortController()
  const onInterrupt = () => kill.abort()
  guards.signal.addEventListener('abort', onInterrupt, {once: true})
  let failure: string | undefined
  const stop = (why: string) => {
    failure ??= why
    kill.abort()
  }
  const before = await driver.limitsHit(handle)
  const watch = guards.watch ?? {}
  const meanwhile = before && watch.counters && limitMessage(cmd.kind, cmd.name, guards.spec, watch.counters, before, `before ${what(cmd.kind, cmd.name)} ran, a process an earlier command left running`)
  if (meanwhile) {
    await killLeftovers(watch.leftovers)
    watch.counters = await driver.limitsHit(handle)
    return {exitCode: KILLED, failure: meanwhile}
  }
  const timer = guards.timeout.ms > 0 ? setTimeout(() => stop(timeoutMessage(cmd.kind, cmd.name, guards.timeout)), guards.timeout.ms) : undefined
  // A fork bomb at its pids limit never ends by itself: it is stopped as soon as it hits the limit.
  const poll = before && setInterval(() => {
    driver.limitsHit(handle).then(
      (now) => {
        const hit = now && limitMessage(cmd.kind, cmd.name, guards.spec, before, now)
        if (hit) stop(hit)
      },
      // The container may be going; the check after the command says what matters.
      () => {},
    )
  }, LIMIT_POLL_MS)
  try {
    const run = driver.exec(handle, cmd.argv, {...options, signal: kill.signal})
    const exitCode = await Promise.race([run, givenUpAfterKill(kill.signal, run)])
    let after = before && (await driver.limitsHit(handle))
    const hit = before && after ? limitMessage(cmd.kind, cmd.name, guards.spec, before, after) : undefined
    // The command ended, but what it left running hit a limit: that is killed too.
    if (hit && !kill.signal.aborted) {
      await killLeftovers(kill)
      after = await driver.limitsHit(handle)
    }
    watch.counters = after
    watch.leftovers = kill
    return {exitCode, failure: failure ?? hit}
  } finally {
    clearTimeout(timer)
    clearInterval(poll)
    guards.signal.removeEventListener('abort', onInterrupt)
  }
}

/**
 * Aborts an ended command's signal, which kills what it left running, and gives the driver time to
 * do it (the engine's exec is over, so there is nothing to wait on).
 */
async function killLeftovers(kill: AbortController | undefined): Promise<void> {
  if (!kill || kill.signal.aborted) return
  kill.abort()
  await sleep(KILL_SETTLE_MS)
}

/**
 * 137 once the command was killed and has not ended KILL_WAIT_MS later (a process the kill could
 * not reach holds it): the instance's teardown ends what is left, and the command's own end is ignored.
 */
function givenUpAfterKill(signal: AbortSignal, run: Promise<number>): Promise<number> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined
    const onKill = () => {
      timer = setTimeout(() => resolve(KILLED), KILL_WAIT_MS)
      timer.unref()
    }
    signal.addEventListener('abort', onKill, {once: true})
    run.then(
      () => (clearTimeout(timer), signal.removeEventListener('abort', onKill)),
      () => (clearTimeout(timer), signal.removeEventListener('abort', onKill)),
    )
  })
}
