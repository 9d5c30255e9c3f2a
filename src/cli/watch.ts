/**
 * `converge --watch` and `test --watch`: run once, then watch the files each instance's steps and
 * tests read and, on a change, re-plan only the instances it touches, converge them again from the
 * step cache (a changed step and those after it run) and, for `test`, verify them again; one status
 * line per instance each time. Ctrl-C stops it: the instances are destroyed unless `--destroy never`,
 * and it exits 130.
 */
import {randomBytes} from 'node:crypto'
import {statSync, watch, type FSWatcher} from 'node:fs'
import path from 'node:path'
import type {InstanceSpec, ProjectConfig} from '../config/types.js'
import {ConfigErrors, GalleyError} from '../errors.js'
import {destroyInstances} from '../lifecycle/destroy.js'
import {RunEmitter} from '../lifecycle/events.js'
import {lockInstances} from '../lifecycle/lock.js'
import {maskEvents} from '../lifecycle/mask.js'
import {runInstances} from '../lifecycle/runner.js'
import {registerRun} from '../lifecycle/runs.js'
import {StateStore} from '../lifecycle/state.js'
import type {InstanceResult} from '../model.js'
import {LogReporter} from '../reporters/log.js'
import {writeLastRun} from './last-run.js'
import {openRunPools} from './pools.js'
import {commandLine, makeInstances} from './session.js'
import {foldersToWatch, touches, watchedInputs, type WatchedInputs} from './watch-inputs.js'

export interface WatchOptions {
  action: 'converge' | 'test'
  concurrency: number
  noCache?: boolean
  /** --timeout: the time limit of every step and test that sets none of its own. */
  timeoutMs?: number
  /** `never` keeps the instances when the watch stops; otherwise they are destroyed. */
  destroy?: string
  /** How long to wait after a change for more before running (editors write in bursts). */
  debounceMs?: number
  out?: NodeJS.WritableStream
}

/** The project as loaded now, and the instances the command line selected in it. */
export type LoadProject = () => Promise<{config: ProjectConfig; specs: InstanceSpec[]}>

const CONFIG_FILES = new Set(['galley.yml', 'galley.local.yml'])
const IGNORED = /^(\.galley|\.git|node_modules)(\/|$)/
const clock = () => new Date().toTimeString().slice(0, 8)
const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`

/** One line for an instance after a cycle: its result, its steps (run and cached) and tests. */
export function statusLine(r: InstanceResult, action: WatchOptions['action']): string {
  const ran = r.steps.filter((s) => !s.cached).length
  const cached = r.steps.length - ran
  // An instance whose tests alone changed was verified, not converged.
  const parts = r.steps.length > 0 || r.tests.length === 0 ? [`converge ${ran} run${cached ? `, ${cached} cached` : ''}`] : []
  if (action === 'test' && (r.tests.length > 0 || r.status === 'passed')) parts.push(`verify ${r.tests.filter((t) => t.ok).length}/${r.tests.length}`)
  const failed = [...r.steps, ...r.tests].find((t) => !t.ok)
  const why = r.status === 'passed' ? '' : `: ${failed?.message ?? r.message?.split('\n')[0] ?? r.status}`
  return `[${clock()}] ${r.instance}  ${r.status}  ${parts.join(' · ')}  (${secs(r.durationMs)})${why}`
}

export async function watchSession(load: LoadProject, options: WatchOptions): Promise<number> {
  const out = options.out ?? process.stdout
  const say = (line: string) => void out.write(`${line}\n`)
  let {config, specs} = await load()
  if (config.envErrors?.length) throw new ConfigErrors(config.envErrors)
  const root = config.root
  const unlock = lockInstances(root, specs.map((s) => s.name), commandLine())
  const runId = randomBytes(6).toString('hex')
  const unregister = registerRun(runId, root, commandLine())
  const events = new RunEmitter()
  maskEvents(events, config.secrets ?? [])
  const logs = new LogReporter(root, events, `${options.action} --watch`)
  const controller = new AbortController()
  const store = new StateStore(root)
  const watchers: FSWatcher[] = []
  let inputs = new Map<string, WatchedInputs>()
  const pending = new Set<string>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped!: () => void
  const done = new Promise<void>((resolve) => (stopped = resolve))

  /**
   * Converges `converge` (from the cache) and, for test, verifies them and `verifyOnly` (whose
   * tests alone changed), each with a plan made now.
   */
  const cycle = async (converge: Set<string>, verifyOnly = new Set<string>()): Promise<void> => {
    const chosen = specs.filter((s) => converge.has(s.name) || (options.action === 'test' && verifyOnly.has(s.name)))
    if (chosen.length === 0) return
    // Converge, not test: an instance of a pool goes back to the engine holding its container.
    const pools = await openRunPools(chosen, 'converge', options.concurrency, events, say)
    const instances = await makeInstances(config, chosen, {events, signal: controller.signal, runId, cache: !options.noCache, timeoutMs: options.timeoutMs, pools})
    const run = {concurrency: options.concurrency, signal: controller.signal, events, place: pools.place}
    const converged = await runInstances(instances.filter((i) => converge.has(i.name)), 'converge', run)
    const byName = new Map(converged.map((r) => [r.instance, r]))
    if (options.action === 'test' && !controller.signal.aborted) {
      const due = instances.filter((i) => (byName.get(i.name)?.status ?? 'passed') === 'passed')
      for (const v of await runInstances(due, 'verify', run)) {
        const c = byName.get(v.instance)
        byName.set(v.instance, c ? {...v, steps: c.steps, durationMs: c.durationMs + v.durationMs, startedAt: c.startedAt, timeline: [...(c.timeline ?? []), ...(v.timeline ?? [])]} : v)
      }
    }
    if (controller.signal.aborted) return
    const results = chosen.flatMap((s) => byName.get(s.name) ?? [])
    for (const r of results) {
      say(statusLine(r, options.action))
      const failed = [...r.steps, ...r.tests].find((t) => !t.ok)
      if (failed?.outputTail) say(failed.outputTail.split('\n').slice(-10).map((l) => `    ${l}`).join('\n'))
    }
    writeLastRun(root, commandLine(), results)
  }

  const watchInputs = () => {
    for (const w of watchers.splice(0)) w.close()
    inputs = new Map(specs.map((s) => [s.name, watchedInputs(s, root)]))
    const all = [...inputs.values()].flatMap((i) => [...i.steps, ...i.tests])
    const isFolder = (abs: string) => statSync(abs, {throwIfNoEntry: false})?.isDirectory() ?? false
    for (const {dir, recursive} of foldersToWatch(root, all, isFolder)) {
      try {
        const w = watch(dir, {recursive}, (_event, name) => name && onChange(path.relative(root, path.join(dir, name.toString()))))
        w.on('error', () => {})
        watchers.push(w)
      } catch {
        // A folder that is not there yet: galley.yml's next change watches again.
      }
    }
  }

  const onChange = (rel: string) => {
    if (IGNORED.test(rel) || controller.signal.aborted) return
    pending.add(rel)
    clearTimeout(timer)
    timer = setTimeout(() => (running = running.then(flush)), options.debounceMs ?? 100)
  }

  /** Runs one cycle for everything changed since the last. */
  const flush = async (): Promise<void> => {
    if (pending.size === 0 || controller.signal.aborted) return
    const changed = [...pending]
    pending.clear()
    const converge = new Set<string>()
    const verifyOnly = new Set<string>()
    try {
      if (changed.some((f) => CONFIG_FILES.has(f))) {
        // galley.yml changed: every instance is planned again from the file as it is now.
        ;({config, specs} = await load())
        for (const s of specs) converge.add(s.name)
        watchInputs()
      } else {
        for (const [name, i] of inputs) {
          if (changed.some((f) => touches(i.steps, f))) converge.add(name)
          else if (changed.some((f) => touches(i.tests, f))) verifyOnly.add(name)
        }
      }
      const names = [...converge, ...(options.action === 'test' ? verifyOnly : [])]
      if (names.length === 0) return
      const read = new Set([...inputs.values()].flatMap((i) => [...i.steps, ...(options.action === 'test' ? i.tests : [])]))
      const relevant = changed.filter((f) => CONFIG_FILES.has(f) || touches([...read], f))
      say(`[${clock()}] changed: ${relevant.join(', ')} → ${names.join(', ')}`)
      await cycle(converge, verifyOnly)
    } catch (error) {
      say(`[${clock()}] ${error instanceof GalleyError ? error.message : String(error)}`)
    }
  }

  let interrupts = 0
  const onSignal = () => {
    if (++interrupts > 1) {
      process.stderr.write('\nquitting now. Containers may be left behind: run galley destroy\n')
      process.exit(130)
    }
    process.stderr.write(`\nstopping${options.destroy === 'never' ? '' : '; removing the instances (press Ctrl-C again to quit at once)'}\n`)
    controller.abort()
    clearTimeout(timer)
    stopped()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onSignal)
  try {
    running = cycle(new Set(specs.map((s) => s.name)))
    await running
    if (!controller.signal.aborted) {
      watchInputs()
      say(`[${clock()}] watching ${specs.length} instance${specs.length === 1 ? '' : 's'}: edit a step or test to run it again; Ctrl-C stops`)
    }
    await done
    await running.catch(() => {})
    for (const w of watchers) w.close()
    if (options.destroy !== 'never') await destroyInstances(root, store, [], new Set(specs.map((s) => s.name)))
    return 130
  } finally {
    for (const w of watchers) w.close()
    await logs.close()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
    unregister()
    unlock()
  }
}
