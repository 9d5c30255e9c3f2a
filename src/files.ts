/**
 * Files written whole or not at all: into `<file>.<pid>.tmp` beside the target, flushed to disk,
 * then renamed over it, so a crash or a concurrent reader never sees half a file.
 */
import {closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats} from 'node:fs'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'

export function tmpFor(file: string): string {
  return `${file}.${process.pid}.tmp`
}

export function writeFileAtomic(file: string, data: string | Buffer): void {
  mkdirSync(path.dirname(file), {recursive: true})
  const tmp = tmpFor(file)
  try {
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } finally {
    rmSync(tmp, {force: true})
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
