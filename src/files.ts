/**
 * Files written whole or not at all: into `<file>.<pid>.tmp` beside the target, flushed to disk,
 * then renamed over it, so a crash or a concurrent reader never sees half a file.
 */
import {closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
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
