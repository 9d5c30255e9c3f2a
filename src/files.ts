/**
 * Files written whole or not at all: into `<file>.<pid>.tmp` beside the target, then renamed over
 * it, so a crash of Galley or a concurrent reader never sees half a file. Only `durable` writes are
 * flushed to disk first (an fsync, several milliseconds each, several per instance): what a run
 * writes (state, reports, run records) matters little after the machine itself crashes: its
 * containers stopped with it, and `galley destroy` and `prune` find them by their labels.
 */
import {closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats} from 'node:fs'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'

export function tmpFor(file: string): string {
  return `${file}.${process.pid}.tmp`
}

export interface WriteOptions {
  /** Flush to disk before the rename, so the file survives a crash of the machine (an index of images). */
  durable?: boolean
}

export function writeFileAtomic(file: string, data: string | Buffer, options: WriteOptions = {}): void {
  mkdirSync(path.dirname(file), {recursive: true})
  const tmp = tmpFor(file)
  try {
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
      if (options.durable) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } catch (error) {
    // Only a failed write leaves the temporary file behind.
    rmSync(tmp, {force: true})
    throw error
  }
}

/** A stream (an engine's image export, say) into `file`, whole or not at all. */
export async function writeStreamAtomic(stream: NodeJS.ReadableStream, file: string): Promise<void> {
  const tmp = tmpFor(file)
  try {
    await pipeline(stream, createWriteStream(tmp))
    renameSync(tmp, file)
  } finally {
    rmSync(tmp, {force: true})
  }
}

/**
 * A path's stat, or undefined when there is nothing there: no such entry, or a path through a
 * file (`kitchen.yml/molecule.yml`), which statSync reports as ENOTDIR even with throwIfNoEntry off.
 */
export function statIfAny(file: string): Stats | undefined {
  try {
    return statSync(file, {throwIfNoEntry: false})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw error
  }
}
