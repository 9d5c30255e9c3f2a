/**
 * Per-instance state under .galley/state/, one JSON file each, written atomically (temp file and
 * rename), so `galley list` tells the truth after a crash and `galley destroy` finds what to remove.
 */
import {existsSync, readFileSync, readdirSync, unlinkSync} from 'node:fs'
import path from 'node:path'
import type {ContainerHandle} from '../../drivers/driver.js'
import {writeFileAtomic} from '../files.js'

/** Where an instance stands; `creating` means a create began and did not finish (a crash, say). */
export type LifecycleState = 'destroyed' | 'creating' | 'created' | 'converged' | 'verified'

export interface InstanceState {
  instance: string
  state: LifecycleState
  driver: string
  /** The container; `handle.socket` is the address of its engine and `handle.engine` its name in a pool (engineOf). */
  handle?: ContainerHandle
  /** What the container was created from: the base image or a step snapshot. */
  snapshot?: string
  /** The platform's base snapshot on this engine (step cache keys chain from it). */
  base?: string
  lastAction?: string
  /** The last action's failure, if it failed. */
  lastError?: string
  /** The last verify's tests: passed of total. */
  tests?: {passed: number; total: number}
  updatedAt: string
  /** The process that last wrote this state. */
  pid: number
}

/**
 * The engine holding an instance's container: its pool engine's name (a pool run records it in
 * the handle), else the engine's address (Docker), else the driver (LXC has one engine here).
 */
export function engineOf(state: InstanceState): string {
  const handle = state.handle
  return String(handle?.engine ?? handle?.socket ?? state.driver)
}

export class StateStore {
  readonly dir: string

  constructor(readonly root: string) {
    this.dir = path.join(root, '.galley', 'state')
  }

  private file(instance: string): string {
    return path.join(this.dir, `${instance}.json`)
  }

  read(instance: string): InstanceState | undefined {
    try {
      return JSON.parse(readFileSync(this.file(instance), 'utf8')) as InstanceState
    } catch {
      return undefined
    }
  }

  /** Every state file, including instances no longer in the config (so they can be destroyed). */
  readAll(): InstanceState[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.read(f.slice(0, -5)))
      .filter((s): s is InstanceState => s !== undefined)
  }

  write(state: Omit<InstanceState, 'updatedAt' | 'pid'>): InstanceState {
    const full: InstanceState = {...state, updatedAt: new Date().toISOString(), pid: process.pid}
    if (full.state === 'destroyed') {
      this.remove(state.instance)
      return full
    }
    writeFileAtomic(this.file(state.instance), JSON.stringify(full, null, 2) + '\n')
    return full
  }

  remove(instance: string): void {
    try {
      unlinkSync(this.file(instance))
    } catch {
      // Already gone.
    }
  }
}
