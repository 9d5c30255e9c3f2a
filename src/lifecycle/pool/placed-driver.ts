/**
 * The driver an instance of a pool run holds: the engine it was placed on when its run began
 * (`place`), seen through the Driver contract so the instance's lifecycle is the one it has on a
 * single engine. A call about a container goes to the engine holding that container (its handle
 * names it); a call that makes something (image, container, cache lookup) goes to the placed engine.
 * It also measures each step, so the pool can tell whether copying a snapshot beats building it.
 */
import type {Readable} from 'node:stream'
import type {ContainerHandle, CreateOptions, DoctorCheck, Driver, ExecOptions, ImageProgress, LimitCounters, Snapshot, SnapshotInfo} from '../../../drivers/driver.js'
import {isImageRef, type ImageSpec} from '../../config/types.js'
import {GalleyError} from '../../errors.js'
import type {ArchiveFormat} from '../../images/archive.js'
import type {Pool, PoolEngine} from './pool.js'
import type {Placement} from './scheduler.js'

/** Steps run in a container since its last snapshot, and the snapshot they build on. */
interface Since {
  stepMs: number
  parent?: string
}

export class PlacedDriver implements Driver {
  readonly name: string
  private placement?: Placement
  private readonly since = new Map<string, Since>()

  constructor(
    private readonly pool: Pool,
    readonly instance: string,
  ) {
    this.name = pool.engines[0]?.driver.name ?? 'docker'
  }

  /**
   * Takes a place on an engine for this instance's run: on `only` (the engine holding its
   * container) or the least loaded one; waits while they are full. The function returned gives it back.
   */
  async place(options: {only?: string; signal?: AbortSignal} = {}): Promise<() => void> {
    const placement = await this.pool.scheduler.acquire(options)
    this.placement = placement
    return () => {
      placement.release()
      if (this.placement === placement) this.placement = undefined
    }
  }

  /** The name of the pool's engine holding a container, if the pool lists it. */
  engineHolding(handle: ContainerHandle): string | undefined {
    return this.listed(handle)?.name
  }

  /** The engine this instance was placed on, while it is. */
  get location(): string | undefined {
    return this.placement?.engine
  }

  get mountsHostFolders(): boolean {
    return this.here().driver.mountsHostFolders
  }

  private here(): PoolEngine {
    const engine = this.placement && this.pool.engine(this.placement.engine)
    if (!engine) throw new GalleyError(`instance ${this.instance} was asked to make something before it was placed on an engine of the pool`, {hint: 'This is a bug in Galley; run again with --debug and report the output.'})
    return engine
  }

  private listed(handle: ContainerHandle): PoolEngine | undefined {
    return this.pool.engines.find((e) => (handle.socket !== undefined ? e.address === handle.socket : e.name === handle.engine))
  }

  /**
   * The engine holding a container: the pool's engine at its handle's address (or of its name,
   * for a driver whose handles carry no address); else (a container of an earlier run, on an
   * engine this pool does not list) the one at its address; else this placement's.
   */
  private async holder(handle: ContainerHandle): Promise<{engine?: PoolEngine; driver: Driver}> {
    const listed = this.listed(handle)
    if (listed) return {engine: listed, driver: listed.driver}
    if (this.pool.options.resolve && handle.socket !== undefined) return {driver: await this.pool.options.resolve(handle)}
    const engine = (this.placement && this.pool.engine(this.placement.engine)) ?? this.pool.engines[0]
    return {engine, driver: engine.driver}
  }

  /** Runs `fn` on the engine holding `handle`; an engine that stops answering is taken out of the pool. */
  private async onHolder<T>(handle: ContainerHandle, fn: (d: Driver) => Promise<T>): Promise<T> {
    const {engine, driver} = await this.holder(handle)
    return engine ? this.pool.on(engine, fn) : fn(driver)
  }

  async doctor(): Promise<DoctorCheck[]> {
    const checks = await Promise.all(this.pool.engines.map(async (e) => (await e.driver.doctor()).map((c) => ({...c, name: `${e.name}: ${c.name}`}))))
    return checks.flat()
  }

  async ensureImage(spec: ImageSpec, onProgress?: ImageProgress, signal?: AbortSignal): Promise<Snapshot> {
    const here = this.here()
    if (isImageRef(spec)) await this.pool.copyImage(spec.ref, here, this.instance)
    return this.pool.on(here, (d) => d.ensureImage(spec, onProgress, signal))
  }

  async create(options: CreateOptions): Promise<ContainerHandle> {
    const here = this.here()
    const handle = await this.pool.on(here, (d) => d.create(options))
    this.since.set(handle.name, {stepMs: 0, parent: this.pool.keys.get(options.snapshot.id)})
    return {...handle, engine: here.name}
  }

  async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    const started = performance.now()
    const code = await this.onHolder(handle, (d) => d.exec(handle, argv, options))
    const since = this.since.get(handle.name)
    if (since && options.task?.kind === 'step') since.stepMs += performance.now() - started
    return code
  }

  interactive(handle: ContainerHandle, argv: string[]): Promise<number> {
    return this.onHolder(handle, (d) => d.interactive(handle, argv))
  }

  async snapshot(handle: ContainerHandle, key: string): Promise<Snapshot> {
    const snapshot = await this.onHolder(handle, (d) => d.snapshot(handle, key))
    this.pool.keys.set(snapshot.id, key)
    const since = this.since.get(handle.name)
    if (since) {
      this.pool.costs.recordStep(key, since.stepMs, since.parent)
      this.since.set(handle.name, {stepMs: 0, parent: key})
    }
    return snapshot
  }

  /** The snapshot on the placed engine; else copied from another engine of the pool when that is faster. */
  async findSnapshot(key: string): Promise<Snapshot | undefined> {
    const here = this.here()
    const found = (await this.pool.on(here, (d) => d.findSnapshot(key))) ?? (await this.pool.copyStep(key, here, this.instance))
    if (found) this.pool.keys.set(found.id, key)
    return found
  }

  listSnapshots(): Promise<SnapshotInfo[]> {
    return this.pool.on(this.here(), (d) => d.listSnapshots())
  }

  removeSnapshot(id: string): Promise<boolean> {
    return this.pool.on(this.here(), (d) => d.removeSnapshot(id))
  }

  promote(handle: ContainerHandle, ref: string, labels: Record<string, string>): Promise<void> {
    return this.onHolder(handle, (d) => d.promote(handle, ref, labels))
  }

  saveImage(ref: string, format: ArchiveFormat, file: string): Promise<void> {
    return this.pool.on(this.here(), (d) => d.saveImage(ref, format, file))
  }

  pushImage(ref: string, onProgress?: (line: string) => void): Promise<void> {
    return this.pool.on(this.here(), (d) => d.pushImage(ref, onProgress))
  }

  copyIn(handle: ContainerHandle, tar: Readable, dest: string): Promise<void> {
    return this.onHolder(handle, (d) => d.copyIn(handle, tar, dest))
  }

  copyOut(handle: ContainerHandle, path: string): Promise<Readable> {
    return this.onHolder(handle, (d) => d.copyOut(handle, path))
  }

  limitsHit(handle: ContainerHandle): Promise<LimitCounters | undefined> {
    return this.onHolder(handle, (d) => d.limitsHit(handle))
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    await this.onHolder(handle, (d) => d.destroy(handle))
    this.since.delete(handle.name)
  }

  /** Galley's containers on every engine of the pool that is up, each marked with its engine. */
  async list(labels: Record<string, string>): Promise<ContainerHandle[]> {
    const lists = await Promise.all(this.pool.up().map(async (e) => (await this.pool.on(e, (d) => d.list(labels))).map((h) => ({...h, engine: e.name}))))
    return lists.flat()
  }

  async removeDebris(): Promise<string[]> {
    const removed = await Promise.all(this.pool.up().map(async (e) => (await this.pool.on(e, (d) => d.removeDebris())).map((item) => `${e.name}: ${item}`)))
    return removed.flat()
  }
}
