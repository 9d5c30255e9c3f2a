/**
 * What it costs to have a step snapshot on an engine of a pool that lacks it: building it again
 * (running the steps it holds beyond what that engine already has) or copying it from an engine
 * that has it (docker save there, docker load here, streamed through Galley). The time each step
 * took is recorded when its snapshot is taken, with the snapshot it was built on; the copying
 * speed between two engines is measured on each copy. Kept in $GALLEY_HOME/pool/costs.json, so
 * the next run decides with what earlier runs measured.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {writeFileAtomic} from '../../files.js'
import {storeDir} from '../../images/store.js'

/** Assumed until a copy between two engines has been measured: 20 MB/s, in bytes per millisecond. */
export const DEFAULT_RATE = 20_000
/** Records older than this are dropped when the file is written. */
const KEEP_MS = 60 * 24 * 3600 * 1000
/** A chain of steps longer than this is not walked (a loop in a damaged file). */
const MAX_CHAIN = 200

interface StepCost {
  /** Milliseconds its steps ran (since the snapshot it was built on). */
  ms: number
  /** The step snapshot it was built on; none for the first step (built on the base image). */
  parent?: string
  at: number
}

interface CostFile {
  steps: Record<string, StepCost>
  /** `from\0to` (engine addresses) → bytes per millisecond of the last copies. */
  rates: Record<string, {rate: number; at: number}>
}

/**
 * Whether copying an image of `bytes` beats building it again in `rebuildMs`: a copy is expected
 * to take bytes / rate. A build whose cost is unknown (made by another machine) is assumed dearer,
 * since steps install packages and copies are streams.
 */
export function copyIsFaster(bytes: number | undefined, rebuildMs: number | undefined, bytesPerMs: number): boolean {
  if (bytes === undefined) return false
  if (rebuildMs === undefined) return true
  return bytes / bytesPerMs < rebuildMs
}

export class StepCosts {
  private data: CostFile

  /** Without a `file` the records last as long as this object (tests); storedCosts() keeps them. */
  constructor(private readonly file?: string) {
    this.data = this.read()
  }

  private read(): CostFile {
    if (!this.file) return {steps: {}, rates: {}}
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as CostFile
      return {steps: data.steps ?? {}, rates: data.rates ?? {}}
    } catch {
      return {steps: {}, rates: {}}
    }
  }

  /** Merges what other runs wrote meanwhile, drops old records, and writes the file. */
  private save(): void {
    if (!this.file) return
    const disk = this.read()
    const since = Date.now() - KEEP_MS
    const fresh = <T extends {at: number}>(records: Record<string, T>) => Object.fromEntries(Object.entries(records).filter(([, r]) => r.at >= since))
    this.data = {steps: fresh({...disk.steps, ...this.data.steps}), rates: fresh({...disk.rates, ...this.data.rates})}
    try {
      writeFileAtomic(this.file, JSON.stringify(this.data) + '\n')
    } catch {
      // The records only guide a choice; a store that cannot be written costs a rebuild, not a run.
    }
  }

  /** Records that snapshot `key` took `ms` of steps on top of `parent`. */
  recordStep(key: string, ms: number, parent: string | undefined): void {
    this.data.steps[key] = {ms: Math.round(ms), ...(parent ? {parent} : {}), at: Date.now()}
    this.save()
  }

  /**
   * Milliseconds of steps that building `key` again would run on an engine: its own and those of
   * the snapshots under it, down to the first one `has` says the engine holds. Undefined when a
   * step's time was never recorded here.
   */
  async rebuildMs(key: string, has: (key: string) => Promise<boolean>): Promise<number | undefined> {
    let total = 0
    let current: string | undefined = key
    for (let depth = 0; current && depth < MAX_CHAIN; depth++) {
      if (depth > 0 && (await has(current))) return total
      const cost: StepCost | undefined = this.data.steps[current]
      if (!cost) return undefined
      total += cost.ms
      current = cost.parent
    }
    return current ? undefined : total
  }

  /** Bytes per millisecond of copies from engine `from` to `to` (addresses). */
  rate(from: string, to: string): number {
    return this.data.rates[`${from}\0${to}`]?.rate ?? DEFAULT_RATE
  }

  /** Records a copy's speed, averaged with the last one so one slow copy does not decide alone. */
  recordCopy(from: string, to: string, bytes: number, ms: number): void {
    if (bytes <= 0 || ms <= 0) return
    const key = `${from}\0${to}`
    const measured = bytes / ms
    const last = this.data.rates[key]?.rate
    this.data.rates[key] = {rate: last ? (last + measured) / 2 : measured, at: Date.now()}
    this.save()
  }
}

/** The costs this machine has measured, in Galley's store. */
export function storedCosts(): StepCosts {
  return new StepCosts(path.join(storeDir('pool'), 'costs.json'))
}
