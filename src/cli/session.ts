/** Wires a lifecycle run to its reporters, signals and exit code: what create/converge/verify/test share. */
import {randomBytes} from 'node:crypto'
import path from 'node:path'
import {autoChoices, getDriver} from '../../drivers/index.js'
import {isImageRef, type DriverName, type InstanceSpec, type ProjectConfig} from '../config/types.js'
import type {InstanceResult} from '../model.js'
import {RunEmitter} from '../lifecycle/events.js'
import {Instance, type Action} from '../lifecycle/instance.js'
import {exitCodeFor, runInstances, type DestroyStrategy} from '../lifecycle/runner.js'
import {logLevel} from './base.js'
import {ConfigError, ConfigErrors} from '../errors.js'
import {writeLastRun} from './last-run.js'
import {readTags} from '../images/store.js'
import {lockInstances} from '../lifecycle/lock.js'
import {maskEvents} from '../lifecycle/mask.js'
import {detectCi, reportToCi} from '../reporters/ci.js'
import {registerRun} from '../lifecycle/runs.js'
import {StateStore} from '../lifecycle/state.js'
import {ConsoleReporter} from '../reporters/console.js'
import {LogReporter} from '../reporters/log.js'
import {openRunPools, type RunPools} from './pools.js'

export interface SessionOptions {
  concurrency: number
  failFast?: boolean
  destroy?: DestroyStrategy
  /** Where to write JUnit; undefined for none. */
  junit?: string
  /** Where to write TAP and JSON reports; undefined for none. */
  tap?: string
  json?: string
  /** Where to write the HTML report (matrix, timeline, failures); undefined for none. */
  html?: string
  verbose?: boolean
  /** Print the summary table only when something failed (for the create before login and exec). */
  quiet?: boolean
  /** --no-cache: run every step, snapshot none. */
  noCache?: boolean
  /** test --idempotence: converge a second time and fail on changes. */
  idempotence?: boolean
  /** test --promote: the image name for each passing instance; `{instance}` is replaced. */
  promote?: string
  /** test --promote --push: push each promoted image to the registry its name holds. */
  push?: boolean
  /** --timeout: the time limit of every step and test that sets none of its own. */
  timeoutMs?: number
}

/** `myorg` → `myorg/{instance}:latest`; a name with `{instance}` is used as it is. */
export function promotionRef(pattern: string, instance: string): string {
  const full = pattern.includes('{instance}') ? pattern : `${pattern}/{instance}`
  const ref = full.replaceAll('{instance}', instance)
  return ref.slice(ref.lastIndexOf('/') + 1).includes(':') ? ref : `${ref}:latest`
}

/**
 * Each LXC command holds a thread of libuv's pool while it runs (an attach, until its program
 * exits), and file reads and liblxc's other calls need two more: the LXC driver lets at most
 * pool − 2 commands run at once and queues the rest. bin/run.js sizes the pool for the concurrency
 * asked for; when a caller set it smaller, the run goes ahead at that concurrency and says that
 * commands queue.
 */
export function concurrencyNote(requested: number, usesLxc: boolean, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const pool = Number(env.UV_THREADPOOL_SIZE) || 4
  if (!usesLxc || requested <= pool - 2) return undefined
  return `concurrency ${requested}: UV_THREADPOOL_SIZE=${pool} lets ${Math.max(1, pool - 2)} LXC commands run at once; the others wait their turn (set UV_THREADPOOL_SIZE to ${requested + 2} or more to run them all at once)`
}

export function isLiveTerminal(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.CI
}

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env)
}

/**
 * A platform naming an engine image runs on LXC only when that image was promoted into Galley's
 * own store: otherwise the run stops before anything is made (exit 2), at the platform's image.
 */
function checkLxcImages(config: ProjectConfig, instances: Instance[]): void {
  const missing = instances.filter((i) => i.driver.name === 'lxc' && isImageRef(i.spec.platform.image) && !readTags()[i.spec.platform.image.ref])
  const platforms = [...new Map(missing.map((i) => [i.spec.platform.name, i.spec.platform.image as {ref: string}])).entries()]
  if (platforms.length === 0) return
  throw new ConfigErrors(
    platforms.map(
      ([name, image]) =>
        new ConfigError(`platform \`${name}\` names the image \`${image.ref}\`, which is not in Galley's LXC store (only images made with galley promote are)`, config.locate?.('platforms', name, 'image'), {
          hint: 'Use image: {bootstrap: busybox} or {bootstrap: debootstrap, ...} with lxc, or run this platform with --driver docker.',
        }),
    ),
  )
}

export interface InstanceOptions {
  events: RunEmitter
  signal: AbortSignal
  runId: string
  /** Use the step cache (false for --no-cache). */
  cache: boolean
  idempotence?: boolean
  /** --timeout: each step's and test's time limit unless its own entry sets one. */
  timeoutMs?: number
  /** The engines of each pool of this run, which place instances that run in a pool. */
  pools?: RunPools
}

/** Makes Instance objects for the specs, sharing one state store and event stream. */
export async function makeInstances(config: ProjectConfig, specs: InstanceSpec[], options: InstanceOptions): Promise<Instance[]> {
  const {events, signal, runId, cache, idempotence, timeoutMs, pools} = options
  const store = new StateStore(config.root)
  const instances = await Promise.all(
    specs.map(async (spec) => {
      const placed = pools?.driverFor(spec)
      if (placed) return new Instance({spec: {...spec, driver: {...spec.driver, name: placed.name as DriverName}}, driver: placed, store, events, root: config.root, runId, signal, cache, idempotence, timeoutMs})
      // An engine image reference can only run on Docker or Podman, whatever `auto` would pick.
      const name = spec.driver.name === 'auto' && isImageRef(spec.platform.image) ? 'docker' : spec.driver.name
      const driver = await getDriver({...spec.driver, name})
      // An `auto` instance is reported and stored under the engine it runs on.
      return new Instance({spec: {...spec, driver: {...spec.driver, name: driver.name as DriverName}}, driver, store, events, root: config.root, runId, signal, cache, idempotence, timeoutMs})
    }),
  )
  checkLxcImages(config, instances)
  return instances
}

/** How a lock names this process's command: `galley test web`. */
export function commandLine(): string {
  return ['galley', ...process.argv.slice(2)].join(' ')
}

/** The report files asked for, and the last run's results. The writers load here, after the run, not at start-up. */
async function writeReports(root: string, options: SessionOptions, results: InstanceResult[]): Promise<void> {
  writeLastRun(root, commandLine(), results)
  if (options.junit) await (await import('../reporters/junit.js')).writeJunit(options.junit, results)
  if (options.tap) (await import('../reporters/tap.js')).writeTap(options.tap, results)
  if (options.json) (await import('../reporters/json.js')).writeJsonReport(options.json, results)
  if (options.html) {
    const [{writeHtml}, {reportOfResults}] = await Promise.all([import('../reporters/html.js'), import('../reporters/html-model.js')])
    writeHtml(options.html, reportOfResults(results, {title: commandLine(), logs: path.relative(path.dirname(options.html), path.join(root, '.galley', 'logs')) || '.'}))
  }
}

export async function runSession(config: ProjectConfig, specs: InstanceSpec[], action: Action | 'test', options: SessionOptions): Promise<{code: number; results: InstanceResult[]}> {
  if (config.envErrors?.length) throw new ConfigErrors(config.envErrors)
  // Before anything is made or printed: another process acting on these instances stops this one.
  const unlock = lockInstances(config.root, specs.map((s) => s.name), commandLine())
  const runId = randomBytes(6).toString('hex')
  let unregister: () => void
  try {
    unregister = registerRun(runId, config.root, commandLine())
  } catch (error) {
    unlock()
    throw error
  }
  const events = new RunEmitter()
  // Before any reporter sees an event: secrets never reach the console, logs or reports.
  maskEvents(events, config.secrets ?? [])
  const logs = new LogReporter(config.root, events, action)
  const ci = detectCi()
  const live = isLiveTerminal()
  const console = new ConsoleReporter(events, {out: process.stdout, live, color: useColor(), verbose: options.verbose, level: logLevel(), fold: !live && (ci === 'github' || ci === 'gitlab') ? ci : undefined})
  console.expect(specs.map((s) => s.name))
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: stopping; removing the containers this run created (press Ctrl-C again to quit at once)\n`)
      controller.abort()
    } else {
      process.stderr.write(`\n${signal} again: quitting now. Containers may be left behind: run galley destroy\n`)
      process.exit(130)
    }
  }
  // A closed terminal (SIGHUP, then EIO on every write) or a closed pipe must not stop the clean-up:
  // output is lost, not fatal. oclif's own stdout handler rethrows EIO, so it steps aside meanwhile.
  const outListeners = process.stdout.listeners('error')
  process.stdout.removeAllListeners('error')
  const ignoreClosed = () => {}
  process.stdout.on('error', ignoreClosed)
  process.stderr.on('error', ignoreClosed)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onSignal)
  try {
    const pools = await openRunPools(specs, action, options.concurrency, events, (line) => logLevel() !== 'error' && process.stdout.write(`${line}\n`))
    const instances = await makeInstances(config, specs, {events, signal: controller.signal, runId, cache: !options.noCache, idempotence: options.idempotence, timeoutMs: options.timeoutMs, pools})
    const note = concurrencyNote(Math.min(options.concurrency, instances.length), instances.some((i) => i.driver.name === 'lxc'))
    for (const why of [...new Set(autoChoices.values()), ...(note ? [note] : [])]) if (logLevel() === 'info' || logLevel() === 'debug') process.stdout.write(`${why}\n`)
    const store = new StateStore(config.root)
    const onPassed = options.promote
      ? async (inst: Instance) => {
          events.emit('instance:phase', {instance: inst.name, phase: 'promote'})
          const ref = promotionRef(options.promote!, inst.name)
          const {promoteInstance} = await import('../lifecycle/promote.js')
          await promoteInstance(config.root, inst.spec, store.read(inst.name), inst.driver, ref, false)
          events.emit('instance:note', {instance: inst.name, message: `promoted to ${ref} on ${inst.driver.name}`})
          if (options.push) {
            await inst.driver.pushImage(ref)
            events.emit('instance:note', {instance: inst.name, message: `pushed ${ref}`})
          }
        }
      : undefined
    const running = runInstances(instances, action, {
      concurrency: options.concurrency,
      failFast: options.failFast,
      destroy: options.destroy,
      signal: controller.signal,
      events,
      onPassed,
      place: pools.place,
    })
    // The JUnit writer's library loads while the first instances wait on their engine, not after.
    if (options.junit) setTimeout(() => void import('../reporters/junit.js').then((m) => m.preloadJunit()).catch(() => {}), 0)
    const results = await running
    await writeReports(config.root, options, results)
    const rel = (p: string) => path.relative(process.cwd(), p) || p
    const code = controller.signal.aborted ? 130 : exitCodeFor(results)
    const reports = {junit: options.junit, tap: options.tap, json: options.json, html: options.html}
    const files = Object.fromEntries(Object.entries(reports).map(([k, v]) => [k, v ? rel(v) : undefined]))
    if (!options.quiet || code !== 0) console.summary(results, {...files, logs: rel(path.join(config.root, '.galley', 'logs')) + '/'})
    reportToCi(results, config.root, process.stdout)
    return {code, results}
  } finally {
    console.stop()
    await logs.close()
    process.stdout.off('error', ignoreClosed)
    process.stderr.off('error', ignoreClosed)
    for (const l of outListeners) process.stdout.on('error', l as (err: Error) => void)
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
    unregister()
    unlock()
  }
}
