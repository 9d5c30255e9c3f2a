/**
 * Where each instance of a run goes in a pool of engines: on the least loaded engine that is up
 * and has room (running instances over capacity; ties go to the engine listed first). An instance
 * that finds every engine full waits, in the order it asked, for a place. An engine found down
 * takes no more instances; when none is left, whoever waits is told so.
 */
import {EngineError, InterruptedError} from '../../errors.js'

export interface SchedulerEngine {
  name: string
  /** Instances at once; unset means the scheduler's default (the run's concurrency). */
  capacity?: number
}

/** A place taken on an engine; `release` gives it back (once). */
export interface Placement {
  engine: string
  release(): void
}

interface Waiter {
  only?: string
  resolve(placement: Placement): void
  reject(error: unknown): void
}

export class Scheduler {
  private readonly running = new Map<string, number>()
  private readonly down = new Map<string, unknown>()
  private readonly waiting: Waiter[] = []

  constructor(
    private readonly engines: SchedulerEngine[],
    private readonly defaultCapacity: number,
  ) {
    for (const e of engines) this.running.set(e.name, 0)
  }

  /** The engines that are up, in the pool's order. */
  get up(): string[] {
    return this.engines.filter((e) => !this.down.has(e.name)).map((e) => e.name)
  }

  isDown(name: string): boolean {
    return this.down.has(name)
  }

  /** How many instances run on `name` now. */
  load(name: string): number {
    return this.running.get(name) ?? 0
  }

  /**
   * Takes a place for one instance: on `only` when given (the engine holding its container), else
   * on the least loaded engine. Waits while every candidate is full; rejects when none is up, or
   * when `signal` aborts.
   */
  acquire(options: {only?: string; signal?: AbortSignal} = {}): Promise<Placement> {
    const {only, signal} = options
    if (signal?.aborted) return Promise.reject(new InterruptedError())
    return new Promise<Placement>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter)
        if (i >= 0) this.waiting.splice(i, 1)
        reject(new InterruptedError())
      }
      const waiter: Waiter = {
        only,
        resolve: (p) => (signal?.removeEventListener('abort', onAbort), resolve(p)),
        reject: (e) => (signal?.removeEventListener('abort', onAbort), reject(e)),
      }
      signal?.addEventListener('abort', onAbort, {once: true})
      this.waiting.push(waiter)
      this.drain()
    })
  }

  /** Takes `name` out of the pool for the rest of the run; `why` is the failure that showed it. */
  markDown(name: string, why: unknown): void {
    if (this.down.has(name) || !this.running.has(name)) return
    this.down.set(name, why)
    this.drain()
  }

  private capacity(e: SchedulerEngine): number {
    return e.capacity ?? Math.max(1, this.defaultCapacity)
  }

  /** The engine a waiter gets now, undefined while it must wait, or an error when it never will. */
  private choose(w: Waiter): SchedulerEngine | EngineError | undefined {
    if (w.only !== undefined) {
      const engine = this.engines.find((e) => e.name === w.only)
      if (!engine) return new EngineError(`engine ${w.only} is not in the pool`, {hint: 'Add it to driver.hosts again, or galley destroy the instance and run it anew.'})
      if (this.down.has(engine.name)) return new EngineError(`engine ${engine.name}, which holds the instance's container, is down`, {cause: this.down.get(engine.name), hint: 'Bring the engine back, or galley destroy the instance and run it anew.'})
      return this.load(engine.name) < this.capacity(engine) ? engine : undefined
    }
    const up = this.engines.filter((e) => !this.down.has(e.name))
    if (up.length === 0) {
      const causes = [...this.down.values()]
      return new EngineError(`no engine of the pool is up (${this.engines.map((e) => e.name).join(', ')})`, {cause: causes[causes.length - 1], hint: 'Start the engines, or check driver.hosts; galley doctor checks each.'})
    }
    let best: SchedulerEngine | undefined
    for (const e of up) {
      if (this.load(e.name) >= this.capacity(e)) continue
      // Strictly less loaded wins: on a tie the engine listed first keeps the place.
      if (!best || this.load(e.name) / this.capacity(e) < this.load(best.name) / this.capacity(best)) best = e
    }
    return best
  }

  /** Gives places to waiters in the order they came; a waiter for a full engine does not hold up others. */
  private drain(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const w = this.waiting[i]
      const chosen = this.choose(w)
      if (chosen === undefined) {
        i++
        continue
      }
      this.waiting.splice(i, 1)
      if (chosen instanceof EngineError) {
        w.reject(chosen)
        continue
      }
      this.running.set(chosen.name, this.load(chosen.name) + 1)
      let released = false
      w.resolve({
        engine: chosen.name,
        release: () => {
          if (released) return
          released = true
          this.running.set(chosen.name, this.load(chosen.name) - 1)
          this.drain()
        },
      })
    }
  }
}
