/**
 * The pipes an attached process gets for its standard streams. Its output is read, and its input
 * fed, through sockets on the pipes' ends, so no thread blocks on them.
 */
import {closeSync, openSync} from 'node:fs'
import net from 'node:net'
import {Readable} from 'node:stream'
import type {ExecOptions} from '../driver.js'
import * as lxc from './ffi.js'

/** Reads a pipe's read end without blocking a thread; `done` resolves when the writer side is closed. */
function drain(fd: number, onData?: (chunk: Buffer) => void): {done: Promise<void>; socket: net.Socket} {
  const socket = new net.Socket({fd, readable: true, writable: false})
  if (onData) socket.on('data', onData)
  else socket.resume()
  const done = new Promise<void>((resolve) => {
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
  })
  return {done, socket}
}

function feed(fd: number, input: Readable | Buffer | string): void {
  const socket = new net.Socket({fd, readable: false, writable: true})
  // The process may exit without reading all of its input; that is its business.
  socket.on('error', () => {})
  if (input instanceof Readable) {
    input.on('error', () => socket.destroy())
    input.pipe(socket)
  } else socket.end(input)
}

export interface StdioPipes {
  /** The ends the attached process gets. */
  stdin: number
  stdout: number
  stderr: number
  /** Closes those ends in this process; the attached process holds its own copies. */
  closeChildEnds(): void
  /** Resolves once stdout and stderr are read to their end. */
  drained: Promise<void>
  /** Stops reading (drained resolves): for output that a process left running after a kill still holds open. */
  abandon(): void
}

/** Pipes for stdout and stderr, and for stdin when there is input (/dev/null otherwise). */
export function openStdio(options: Pick<ExecOptions, 'stdin' | 'onStdout' | 'onStderr'>): StdioPipes {
  const [outR, outW] = lxc.pipe2()
  const [errR, errW] = lxc.pipe2()
  const readers = [drain(outR, options.onStdout), drain(errR, options.onStderr)]
  const drained = Promise.all(readers.map((r) => r.done)).then(() => undefined)
  const abandon = () => readers.forEach((r) => r.socket.destroy())
  const closeOutputs = () => {
    lxc.close(outW)
    lxc.close(errW)
  }
  if (options.stdin === undefined) {
    const devNull = openSync('/dev/null', 'r')
    const closeChildEnds = () => {
      closeOutputs()
      closeSync(devNull)
    }
    return {stdin: devNull, stdout: outW, stderr: errW, drained, abandon, closeChildEnds}
  }
  const [inR, inW] = lxc.pipe2()
  feed(inW, options.stdin)
  const closeChildEnds = () => {
    closeOutputs()
    lxc.close(inR)
  }
  return {stdin: inR, stdout: outW, stderr: errW, drained, abandon, closeChildEnds}
}
