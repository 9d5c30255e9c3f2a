/**
 * A pool of engines for one run (`driver: {name: docker, hosts: [...]}`): which are up, where
 * each instance goes (scheduler.ts), and what one engine needs from another. Each instance gets a
 * PlacedDriver (placed-driver.ts) that acts on the engine it was placed on.
 *
 * Base images built from a bootstrap spec are imported into each engine from Galley's store on
 * this machine (the same bytes a copy would send, read from local disk rather than from another
 * engine). An image reference one engine lacks is copied from an engine of the pool that has it
 * (same image, no registry needed); pulled only when none has it. A step snapshot an engine lacks
 * is copied from one that has it when costs.ts expects the copy to be faster than the steps.
 */
import {pipeline, Transform, type Readable} from 'node:stream'
import {EngineUnreachable, type ContainerHandle, type Driver, type Snapshot} from '../../../drivers/driver.js'
import {EngineError} from '../../errors.js'
import {copyIsFaster, StepCosts} from './costs.js'
import {PlacedDriver} from './placed-driver.js'
import {Scheduler} from './scheduler.js'

export interface PoolEngine {
  /** How reports name it. */
  name: string
  /** Where it is (drivers/docker/endpoint.ts): copy speeds are kept per pair of addresses. */
  address: string
  /** Instances at once; unset: as many as the run's concurrency. */
  capacity?: number
  driver: Driver
}

export interface PoolOptions {
  /** The run's --concurrency, which an engine without a capacity may take. */
  concurrency: number
  /** Step and copy costs (storedCosts() for a run; in memory for tests). */
  costs?: StepCosts
  /** Tells the run something about an instance (a copy made or given up); the session prints it. */
  note?: (instance: string, message: string) => void
  /** The engine of a container the pool does not list (a handle from an earlier run, by its address). */
  resolve?: (handle: ContainerHandle) => Promise<Driver>
}

const MB = 1024 * 1024

export class Pool {
  readonly scheduler: Scheduler
  readonly costs: StepCosts
  /** Snapshot id → step cache key, as the engines answered: what each container was made from. */
  readonly keys = new Map<string, string>()
  private readonly copies = new Map<string, Promise<boolean>>()

  constructor(
    readonly engines: PoolEngine[],
    readonly options: PoolOptions,
  ) {
    this.scheduler = new Scheduler(engines, options.concurrency)
    this.costs = options.costs ?? new StepCosts()
  }

  /** Asks every engine at once whether it answers; those that do not are taken out, and returned. */
  async check(): Promise<{engine: PoolEngine; error: EngineError}[]> {
    const results = await Promise.all(
      this.engines.map(async (engine) => {
        try {
          const failed = (await engine.driver.doctor()).find((c) => !c.ok)
          return failed ? {engine, error: new EngineUnreachable(failed.detail, {hint: failed.fix})} : undefined
        } catch (error) {
          return {engine, error: error instanceof EngineError ? error : new EngineUnreachable(`engine ${engine.name} could not be checked`, {cause: error})}
        }
      }),
    )
    const down = results.filter((r) => r !== undefined)
    for (const {engine, error} of down) this.scheduler.markDown(engine.name, error)
    return down
  }

  engine(name: string): PoolEngine | undefined {
    return this.engines.find((e) => e.name === name)
  }

  /** The engines still up, in the pool's order. */
  up(): PoolEngine[] {
    return this.engines.filter((e) => !this.scheduler.isDown(e.name))
  }

  /** A driver for one instance, acting on the engine it is placed on. */
  driverFor(instance: string): PlacedDriver {
    return new PlacedDriver(this, instance)
  }

  /** Runs `fn` on an engine; if the engine does not answer, it takes no more instances this run. */
  async on<T>(engine: PoolEngine, fn: (driver: Driver) => Promise<T>): Promise<T> {
    try {
      return await fn(engine.driver)
    } catch (error) {
      if (error instanceof EngineUnreachable) this.scheduler.markDown(engine.name, error)
      throw error
    }
  }

  /**
   * Step snapshot `key` copied onto `target` from an engine of the pool that has it, when that is
   * expected to be faster than running its steps there; undefined when it is not copied.
   */
  async copyStep(key: string, target: PoolEngine, instance: string): Promise<Snapshot | undefined> {
    if (!target.driver.importImages) return undefined
    const found = await this.findOnPeers(target, (d) => d.findSnapshot(key))
    if (!found) return undefined
    const bytes = await found.engine.driver.imageSize?.(found.value.id).catch(() => undefined)
    const rebuildMs = await this.costs.rebuildMs(key, async (k) => (await target.driver.findSnapshot(k).catch(() => undefined)) !== undefined)
    const rate = this.costs.rate(found.engine.address, target.address)
    const expect = `${describeBytes(bytes)}: about ${((bytes ?? 0) / rate / 1000).toFixed(1)}s to copy, ${rebuildMs === undefined ? 'unknown' : `${(rebuildMs / 1000).toFixed(1)}s`} to build`
    if (!copyIsFaster(bytes, rebuildMs, rate)) {
      this.options.note?.(instance, `step snapshot ${key.slice(0, 12)} is on ${found.engine.name}, not on ${target.name}; building it (${expect})`)
      return undefined
    }
    if (!(await this.copy(found.engine, target, found.value.id, instance))) return undefined
    this.options.note?.(instance, `copied step snapshot ${key.slice(0, 12)} from ${found.engine.name} to ${target.name} (${expect})`)
    return target.driver.findSnapshot(key)
  }

  /** Copies engine image `ref` onto `target` from an engine of the pool that has it; false when none has. */
  async copyImage(ref: string, target: PoolEngine, instance: string): Promise<boolean> {
    if (!target.driver.importImages || !target.driver.imageSize || (await target.driver.imageSize(ref)) !== undefined) return false
    const found = await this.findOnPeers(target, async (d) => ((await d.imageSize?.(ref)) !== undefined ? ref : undefined))
    if (!found || !(await this.copy(found.engine, target, ref, instance))) return false
    this.options.note?.(instance, `copied image ${ref} from ${found.engine.name} to ${target.name}`)
    return true
  }

  /** The first other engine (up, able to export) whose answer to `ask` is something. */
  private async findOnPeers<T>(target: PoolEngine, ask: (d: Driver) => Promise<T | undefined>): Promise<{engine: PoolEngine; value: T} | undefined> {
    for (const engine of this.up()) {
      if (engine === target || !engine.driver.exportImages) continue
      // A peer that fails to answer is only a peer without the image.
      const value = await ask(engine.driver).catch(() => undefined)
      if (value !== undefined) return {engine, value}
    }
    return undefined
  }

  /**
   * Streams image `id` from one engine into another (save there, load here), once at a time per
   * image and target. A failed copy is a note and a build instead, never the instance's failure.
   */
  private copy(from: PoolEngine, to: PoolEngine, id: string, instance: string): Promise<boolean> {
    const key = `${to.name}\0${id}`
    let pending = this.copies.get(key)
    if (!pending) {
      pending = (async () => {
        const started = performance.now()
        let bytes = 0
        try {
          const tar: Readable = await from.driver.exportImages!([id])
          const counted = new Transform({
            transform: (chunk: Buffer, _enc, done) => {
              bytes += chunk.length
              done(null, chunk)
            },
          })
          // A source that fails mid-way fails the load through `counted`.
          pipeline(tar, counted, () => {})
          await to.driver.importImages!(counted)
          this.costs.recordCopy(from.address, to.address, bytes, performance.now() - started)
          return true
        } catch (error) {
          this.options.note?.(instance, `could not copy ${id} from ${from.name} to ${to.name} (${(error as Error).message}); making it there instead`)
          return false
        }
      })().finally(() => this.copies.delete(key))
      this.copies.set(key, pending)
    }
    return pending
  }
}

const describeBytes = (bytes: number | undefined) => (bytes === undefined ? 'size unknown' : `${(bytes / MB).toFixed(1)} MB`)
