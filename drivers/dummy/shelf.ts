/**
 * The dummy driver's records (containers, step snapshots): in memory for one process, or one JSON
 * file per record in a folder, so that a later `galley verify` finds what `galley converge` made
 * and concurrent runs never rewrite each other's records.
 */
import {existsSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import {writeFileAtomic} from '../../src/files.js'

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT'

export class Shelf<T> {
  private readonly memory = new Map<string, T>()

  /** `dir`: the folder to keep records in; none keeps them in this process only. */
  constructor(private readonly dir?: string) {}

  private file(key: string): string {
    return path.join(this.dir!, `${encodeURIComponent(key)}.json`)
  }

  get(key: string): T | undefined {
    if (!this.dir) return this.memory.get(key)
    try {
      return JSON.parse(readFileSync(this.file(key), 'utf8')) as T
    } catch (error) {
      if (isMissing(error)) return undefined
      throw error
    }
  }

  has(key: string): boolean {
    return this.dir ? existsSync(this.file(key)) : this.memory.has(key)
  }

  set(key: string, value: T): void {
    if (this.dir) writeFileAtomic(this.file(key), JSON.stringify(value) + '\n')
    else this.memory.set(key, value)
  }

  /** Removes the record; false when there was none. */
  delete(key: string): boolean {
    if (!this.dir) return this.memory.delete(key)
    const had = this.has(key)
    rmSync(this.file(key), {force: true})
    return had
  }

  entries(): [string, T][] {
    if (!this.dir) return [...this.memory.entries()]
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch (error) {
      if (isMissing(error)) return []
      throw error
    }
    const out: [string, T][] = []
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const key = decodeURIComponent(name.slice(0, -'.json'.length))
      // Another process may have removed it since the folder was read.
      const value = this.get(key)
      if (value !== undefined) out.push([key, value])
    }
    return out
  }

  get size(): number {
    return this.entries().length
  }
}
