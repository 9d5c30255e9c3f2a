/** Runs an action over many instances, at most `concurrency` at once (p-limit), and collects results. */
import pLimit from 'p-limit'
import {describeImage} from '../config/types.js'
import {GalleyError, InterruptedError} from '../errors.js'
import type {InstanceResult, InstanceStatus} from '../model.js'
import type {RunEmitter} from './events.js'
import {TaskFailed, type Action, type Instance} from './instance.js'
import {TimelineRecorder} from './timeline.js'

export type DestroyStrategy = 'passing' | 'always' | 'never'

export interface RunOptions {
  concurrency: number
  failFast?: boolean
  /** For `test`: when to destroy an instance after it ran. */
  destroy?: DestroyStrategy
  signal: AbortSignal
  events: RunEmitter
  /** For `test`: called for each passing instance before it is destroyed (test --promote). */
  onPassed?: (inst: Instance) => Promise<void>
  /**
   * Places an instance on an engine when its turn comes (a pool of engines; may wait for room);
   * the function returned frees the place when the instance is done.
   */
  place?: (inst: Instance, signal: AbortSignal) => Promise<(() => void) | undefined>
}

function statusOf(error: unknown): InstanceStatus {
  if (error instanceof InterruptedError) return 'interrupted'
  if (error instanceof TaskFailed) return 'failed'
  return 'error'
}

function messageOf(error: unknown): string {
  if (error instanceof TaskFailed) return error.message
  if (error instanceof GalleyError) return error.hint ? `${error.message}\nTry this: ${error.hint}` : error.message
  return error instanceof Error ? error.message : String(error)
}

/**
 * Runs `action` (or the whole `test` sequence: destroy, create, converge, verify, destroy per
 * strategy) on each instance. Never throws for an instance's failure: each ends in a result.
 */
export async function runInstances(instances: Instance[], action: Action | 'test', options: RunOptions): Promise<InstanceResult[]> {
  const limit = pLimit(Math.max(1, options.concurrency))
  const running = new Set<Instance>()
  let stopStarting = false
  const onAbort = () => {
    stopStarting = true
    // Removing the containers ends whatever runs in them, so in-flight actions return promptly.
    for (const inst of running) void inst.abortCleanup().catch(() => {})
  }
  options.signal.addEventListener('abort', onAbort, {once: true})
  const timeline = new TimelineRecorder(options.events)
  // Which of the `concurrency` lanes each running instance holds, for timelines.
  const lanes: boolean[] = []

  const runOne = async (inst: Instance): Promise<InstanceResult> => {
    const startedAt = new Date()
    const started = performance.now()
    const base = {
      instance: inst.name,
      suite: inst.spec.suite,
      platform: inst.spec.platform.name,
      driver: inst.spec.driver.name,
      image: describeImage(inst.spec.platform.image),
      startedAt,
    }
    let lane: number | undefined
    const finish = (status: InstanceStatus, message?: string, failedIn = inst.currentPhase): InstanceResult => {
      if (lane !== undefined) lanes[lane] = false
      const result: InstanceResult = {
        ...base,
        status,
        failedIn: status === 'passed' || status === 'skipped' ? undefined : failedIn,
        plan: inst.plan,
        steps: [...inst.steps],
        tests: [...inst.tests],
        ...(inst.idempotence ? {idempotence: [...inst.idempotence]} : {}),
        message,
        durationMs: performance.now() - started,
        ...(inst.driver.location ? {engine: inst.driver.location} : {}),
        ...(lane !== undefined ? {lane, timeline: timeline.spans(inst.name)} : {}),
      }
      options.events.emit('instance:phase', {instance: inst.name, phase: 'done'})
      options.events.emit('instance:done', {result})
      return result
    }
    if (stopStarting || options.signal.aborted) return finish(options.signal.aborted ? 'interrupted' : 'skipped', options.signal.aborted ? 'interrupted before it started' : 'not run: an earlier instance failed and --fail-fast is set')
    let release: (() => void) | undefined
    try {
      release = await options.place?.(inst, options.signal)
    } catch (error) {
      return finish(options.signal.aborted ? 'interrupted' : statusOf(error), options.signal.aborted ? 'interrupted before it started' : messageOf(error), 'create')
    }
    running.add(inst)
    lane = lanes.indexOf(false) >= 0 ? lanes.indexOf(false) : lanes.length
    lanes[lane] = true
    let status: InstanceStatus = 'passed'
    let message: string | undefined
    try {
      if (action === 'test') {
        await inst.run('destroy')
        await inst.run('verify')
      } else await inst.run(action)
    } catch (error) {
      status = options.signal.aborted ? 'interrupted' : statusOf(error)
      message = status === 'interrupted' ? 'interrupted' : messageOf(error)
      if (options.failFast && status !== 'interrupted') stopStarting = true
    }
    let failedIn = inst.currentPhase
    if (action === 'test' && status === 'passed' && options.onPassed) {
      try {
        await options.onPassed(inst)
      } catch (error) {
        status = statusOf(error) === 'failed' ? 'failed' : 'error'
        message = `promote failed: ${messageOf(error)}`
        failedIn = 'promote'
      }
    }
    if (action === 'test' && status !== 'interrupted') {
      const strategy = options.destroy ?? 'passing'
      if (strategy === 'always' || (strategy === 'passing' && status === 'passed')) {
        try {
          await inst.run('destroy')
        } catch (error) {
          status = 'error'
          message = `${message ? message + '\n' : ''}destroy failed: ${messageOf(error)}`
        }
      } else if (inst.state !== 'destroyed') {
        options.events.emit('instance:note', {instance: inst.name, message: `kept for inspection: galley login ${inst.name}, then galley destroy ${inst.name}`})
      }
    }
    if (status === 'interrupted') await inst.abortCleanup().catch(() => {})
    running.delete(inst)
    const result = finish(status, message, failedIn)
    release?.()
    return result
  }

  try {
    return await Promise.all(instances.map((inst) => limit(() => runOne(inst))))
  } finally {
    options.signal.removeEventListener('abort', onAbort)
    timeline.stop()
  }
}

/** DESIGN.md's exit codes from a run's results. */
export function exitCodeFor(results: InstanceResult[]): number {
  if (results.some((r) => r.status === 'interrupted')) return 130
  if (results.some((r) => r.status === 'error')) return 3
  if (results.some((r) => r.status === 'failed')) return 1
  return 0
}
