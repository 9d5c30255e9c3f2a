/**
 * The dummy driver (Test Kitchen has one too): no engine and no root. Nothing runs in it; it records
 * what Galley asks of an engine, so a galley.yml can be checked end to end on any machine and the
 * lifecycle tested without an engine. Commands are interpreted just enough for that: `sleep MS`,
 * `exit N`, `echo TEXT` and `hit pids` or `hit memory` (counted as a limit hit, see limitsHit);
 * anything else exits 0 and says on stderr that it was not run.
 * `driver: {sleep: 50ms}` adds a wait to every action; `driver: {fail: converge}` fails one.
 */
import {createHash} from 'node:crypto'
import {appendFileSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'
import type {ArchiveFormat} from '../../src/images/archive.js'
import {describeImage, type DummyAction, type ImageSpec} from '../../src/config/types.js'
import {EngineError, ImageBuildError} from '../../src/errors.js'
import type {ContainerHandle, CreateOptions, DoctorCheck, Driver, ExecOptions, ImageProgress, LimitCounters, Snapshot, SnapshotInfo} from '../driver.js'
import {Shelf} from './shelf.js'

export interface DummyOptions {
  /** Milliseconds every action waits before it does anything. */
  sleepMs?: number
  /** Actions to fail: create, image and snapshot throw EngineError, destroy too; converge fails the first step, verify every test. */
  fail?: DummyAction[]
  /**
   * Keeps containers and step snapshots as files in this folder, so that later processes see them
   * (the CLI uses $GALLEY_HOME/dummy); without it they last as long as this object.
   */
  dir?: string
}

export interface DummyContainer {
  name: string
  labels: Record<string, string>
  /** The snapshot it was created from: a base image or a cached step. */
  snapshot: string
  /** Where copyIn put files. */
  files: string[]
  /** How often commands `hit pids` and `hit memory` said a limit was hit. */
  hits?: LimitCounters
}

export interface DummySnapshot {
  id: string
  key: string
  /** The container it was taken of. */
  container: string
  createdAt: string
}

const STEP_PREFIX = 'dummy-step-'

export class DummyDriver implements Driver {
  readonly name = 'dummy'
  readonly mountsHostFolders = false
  /**
   * Every action asked of the engine, in order, with its arguments (`create NAME SNAPSHOT`,
   * `exec NAME COMMAND`, `snapshot NAME KEY`, `destroy NAME`, ...). Lookups are not actions.
   */
  readonly calls: string[] = []
  readonly containers: Shelf<DummyContainer>
  readonly snapshots: Shelf<DummySnapshot>
  /** Commands running now, and the most that ran at once. */
  running = 0
  maxRunning = 0
  private readonly sleepMs: number
  private readonly failing: Set<DummyAction>

  constructor(options: DummyOptions = {}) {
    this.sleepMs = options.sleepMs ?? 0
    this.failing = new Set(options.fail ?? [])
    this.containers = new Shelf(options.dir && path.join(options.dir, 'containers'))
    this.snapshots = new Shelf(options.dir && path.join(options.dir, 'snapshots'))
  }

  /** Always passes: there is nothing to check. */
  async doctor(): Promise<DoctorCheck[]> {
    return [{name: 'dummy', ok: true, detail: 'no engine: commands are recorded, not run'}]
  }

  /** A base snapshot named after the spec's hash; nothing is built. */
  async ensureImage(spec: ImageSpec, _onProgress?: ImageProgress, signal?: AbortSignal): Promise<Snapshot> {
    this.record(`image ${describeImage(spec)}`)
    await this.pause(signal)
    if (this.failing.has('image')) throw new ImageBuildError(toldTo('image'), {hint: HINT})
    return {id: `dummy-base-${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 12)}`, driver: this.name}
  }

  /** Records a container; a new one starts a new log, .galley/dummy/<name>.log in the project. */
  async create(options: CreateOptions): Promise<ContainerHandle> {
    const root = options.labels['galley.root']
    const exists = this.containers.has(options.name)
    if (root && !exists) {
      mkdirSync(logDir(root), {recursive: true})
      writeFileSync(logFile(root, options.name), '')
    }
    this.record(`create ${options.name} ${options.snapshot.id}`, root, options.name)
    if (exists) throw new EngineError(`container ${options.name} already exists`, {hint: `Remove it: galley destroy ${options.instance}`})
    await this.pause(options.signal)
    if (this.failing.has('create')) throw new EngineError(toldTo('create'), {hint: HINT})
    this.containers.set(options.name, {name: options.name, labels: options.labels, snapshot: options.snapshot.id, files: []})
    return {driver: this.name, name: options.name}
  }

  /**
   * Interprets `sleep MS`, `exit N` and `echo TEXT`; says that anything else was not run and exits
   * 0. Told to fail converge or verify, a step or test exits 1 instead, saying why.
   */
  async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    const container = this.require(handle)
    const command = describeCommand(argv)
    this.record(`exec ${handle.name} ${command}`, container)
    this.running++
    this.maxRunning = Math.max(this.maxRunning, this.running)
    try {
      await this.pause(options.signal)
      const failing = this.failingTask(options.task)
      if (failing) {
        options.onStderr?.(Buffer.from(`dummy driver: ${toldTo(failing)}\n`))
        return 1
      }
      const sleep = /^sleep (\d+)$/.exec(command)
      if (sleep) await wait(Number(sleep[1]), options.signal)
      // Killed by its signal, as a real engine kills a command: 128 + SIGKILL.
      if (options.signal?.aborted) return 137
      const hit = /^hit (pids|memory)$/.exec(command)
      if (hit) {
        const hits = {pids: 0, memory: 0, ...container.hits}
        hits[hit[1] as keyof LimitCounters]++
        this.containers.set(handle.name, {...this.require(handle), hits})
        return 0
      }
      const exit = /^exit (\d+)$/.exec(command)
      if (exit) return Number(exit[1])
      // Text a shell would send elsewhere (`echo x > /etc/motd`, a pipe) is not echoed, nor a list of commands.
      const echo = /^echo ([^;&|<>]*)$/.exec(command)
      if (echo) options.onStdout?.(Buffer.from(`${echo[1]}\n`))
      else if (!sleep) options.onStderr?.(Buffer.from(`dummy driver: not run: ${abridge(command, container)}\n`))
      return 0
    } finally {
      this.running--
    }
  }

  /** What `hit pids` and `hit memory` commands counted in the container. */
  async limitsHit(handle: ContainerHandle): Promise<LimitCounters | undefined> {
    return {pids: 0, memory: 0, ...this.require(handle).hits}
  }

  /** There is no shell to attach to: says so and returns 0. */
  async interactive(handle: ContainerHandle, argv: string[]): Promise<number> {
    this.record(`interactive ${handle.name} ${describeCommand(argv)}`, this.require(handle))
    process.stderr.write(`dummy driver: no shell in ${handle.name}; nothing runs in a dummy container\n`)
    return 0
  }

  async snapshot(handle: ContainerHandle, key: string): Promise<Snapshot> {
    this.record(`snapshot ${handle.name} ${key.slice(0, 8)}`, this.require(handle))
    await this.pause()
    if (this.failing.has('snapshot')) throw new EngineError(toldTo('snapshot'), {hint: HINT})
    const id = STEP_PREFIX + key
    this.snapshots.set(key, {id, key, container: handle.name, createdAt: new Date().toISOString()})
    return {id, driver: this.name}
  }

  /** Told to fail converge, it finds none, so that the first step runs (and fails). */
  async findSnapshot(key: string): Promise<Snapshot | undefined> {
    if (this.failing.has('converge')) return undefined
    const found = this.snapshots.get(key)
    return found && {id: found.id, driver: this.name}
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    const used = new Set(this.containers.entries().map(([, c]) => c.snapshot))
    return this.snapshots.entries().map(([key, s]) => ({id: s.id, key, createdAt: s.createdAt, inUse: used.has(s.id)}))
  }

  async removeSnapshot(id: string): Promise<boolean> {
    if (this.containers.entries().some(([, c]) => c.snapshot === id)) return false
    this.record(`remove-snapshot ${id}`)
    this.snapshots.delete(id.slice(STEP_PREFIX.length))
    return true
  }

  async promote(handle: ContainerHandle, ref: string): Promise<void> {
    this.record(`promote ${handle.name} ${ref}`, this.require(handle))
    await this.pause()
  }

  /** There is no image to write: an archive would be a lie. */
  async saveImage(ref: string, format: ArchiveFormat, file: string): Promise<void> {
    this.record(`save ${ref} ${format} ${file}`)
    throw new EngineError(`the dummy driver has no image ${ref} to write to ${file}`, {hint: 'Promote and save on lxc or docker.'})
  }

  async pushImage(ref: string): Promise<void> {
    this.record(`push ${ref}`)
    await this.pause()
  }

  async copyIn(handle: ContainerHandle, tar: Readable, dest: string): Promise<void> {
    const container = this.require(handle)
    let bytes = 0
    for await (const chunk of tar) bytes += (chunk as Buffer).length
    this.record(`copy-in ${handle.name} ${dest} (${bytes} bytes of tar)`, container)
    await this.pause()
    this.containers.set(handle.name, {...container, files: [...container.files, dest]})
  }

  /** An empty tar archive: a dummy container holds no files. */
  async copyOut(handle: ContainerHandle, from: string): Promise<Readable> {
    this.record(`copy-out ${handle.name} ${from}`, this.require(handle))
    return Readable.from([Buffer.alloc(1024)])
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    const container = this.containers.get(handle.name)
    this.record(`destroy ${handle.name}`, container)
    await this.pause()
    if (this.failing.has('destroy')) throw new EngineError(toldTo('destroy'), {hint: HINT})
    this.containers.delete(handle.name)
  }

  /** As Docker's driver does: the name is free at once, the container kept as NAME.retired until its removal ends. */
  async retire(handle: ContainerHandle): Promise<{removed: Promise<void>}> {
    const container = this.containers.get(handle.name)
    this.record(`retire ${handle.name}`, container)
    if (!container) return {removed: Promise.resolve()}
    const aside = `${handle.name}.retired`
    this.containers.delete(handle.name)
    this.containers.set(aside, {...container, name: aside})
    const removed = this.destroy({...handle, name: aside})
    removed.catch(() => {})
    return {removed}
  }

  async list(labels: Record<string, string>): Promise<ContainerHandle[]> {
    return this.containers
      .entries()
      .filter(([, c]) => Object.entries(labels).every(([k, v]) => c.labels[k] === v))
      .map(([name, c]) => ({driver: this.name, name, instance: c.labels['galley.instance'], running: true, run: c.labels['galley.run'], root: c.labels['galley.root']}))
  }

  async removeDebris(): Promise<string[]> {
    return []
  }

  private require(handle: ContainerHandle): DummyContainer {
    const container = this.containers.get(handle.name)
    if (!container) throw new EngineError(`no container ${handle.name}`, {hint: 'Create it again: galley create'})
    return container
  }

  /** Adds the call to `calls`, and to the container's log in its project when there is one. */
  private record(call: string, where?: DummyContainer | string, name?: string): void {
    this.calls.push(call)
    const root = typeof where === 'string' ? where : where?.labels['galley.root']
    const container = typeof where === 'string' ? name : where?.name
    if (!root || !container) return
    mkdirSync(logDir(root), {recursive: true})
    appendFileSync(logFile(root, container), `${new Date().toISOString()} ${call.replaceAll('\n', '\\n')}\n`)
  }

  private pause(signal?: AbortSignal): Promise<void> {
    return wait(this.sleepMs, signal)
  }

  /** converge or verify when this command is a step or test that the driver was told to fail. */
  private failingTask(task: ExecOptions['task']): DummyAction | undefined {
    // Galley's own probes are no step or test; an idempotence re-check is neither either.
    const phase = task?.kind === 'step' ? 'converge' : task?.kind === 'test' ? 'verify' : undefined
    return phase && this.failing.has(phase) ? phase : undefined
  }
}

const HINT = 'The dummy driver fails what driver.fail names in galley.yml; remove it there to pass.'

function toldTo(action: DummyAction): string {
  return `told to fail ${action} (driver.fail)`
}

const logDir = (root: string) => path.join(root, '.galley', 'dummy')
const logFile = (root: string, container: string) => path.join(logDir(root), `${container}.log`)

/** A long command's first line (generated scripts run to pages); the whole of it is in the container's log. */
function abridge(command: string, container: DummyContainer): string {
  const first = command.split('\n', 1)[0]
  if (first === command && command.length <= MAX_SHOWN) return command
  const where = container.labels['galley.root'] ? `; all of it in .galley/dummy/${container.name}.log` : ''
  return `${first.slice(0, MAX_SHOWN)} … (${command.split('\n').length} lines, ${command.length} characters${where})`
}

const MAX_SHOWN = 200

/** The command as a shell would read it: `/bin/sh -c SCRIPT` is the script alone. */
export function describeCommand(argv: string[]): string {
  if (argv.length === 3 && argv[0] === '/bin/sh' && argv[1] === '-c') return argv[2]
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)).join(' ')
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function wait(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, {once: true})
  })
}
