/**
 * Instance locks: a command that acts on instances holds .galley/locks/<instance>.lock for each,
 * so two Galley processes never act on the same instance at once (runs on other instances of the
 * project go ahead). A lock names its holder (pid, command, since when); one whose process is gone
 * (killed, crashed) is taken over. Locks are taken all or none, in name order.
 */
import {closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync} from 'node:fs'
import path from 'node:path'
import {GalleyError, ExitCode} from '../errors.js'
import {processAlive, self, type ProcessId} from '../process.js'

export interface LockHolder extends ProcessId {
  command: string
  since: string
}

/** Another Galley process holds an instance: nothing was done; exit 2. */
export class LockedError extends GalleyError {
  override readonly exitCode = ExitCode.usage
  readonly holder: LockHolder
  constructor(instance: string, holder: LockHolder) {
    super(`instance ${instance} is in use by another galley process: pid ${holder.pid} running \`${holder.command}\` since ${holder.since.slice(0, 19).replace('T', ' ')} UTC`, {
      hint: 'Wait for it to finish (or stop it), then run this again. Other instances can run meanwhile: name them.',
    })
    this.holder = holder
  }
}

function lockFile(root: string, instance: string): string {
  return path.join(root, '.galley', 'locks', `${instance}.lock`)
}

/** The holder a lock file's text names; undefined while it is empty or half-written. */
function parseHolder(raw: string | undefined): LockHolder | undefined {
  try {
    return raw === undefined ? undefined : (JSON.parse(raw) as LockHolder)
  } catch {
    return undefined
  }
}

function readHolder(file: string): LockHolder | undefined {
  return parseHolder(readRaw(file))
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Removes a lock whose holder is gone, unless it changed meanwhile. A `.break` file, made
 * exclusively, keeps two processes from both breaking it (the second would remove the lock the
 * first had just taken).
 */
function breakStale(file: string, stale: string): void {
  const breaker = `${file}.break`
  try {
    closeSync(openSync(breaker, 'wx'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    // Another process is breaking it; its breaker is stale itself if it is old.
    if (Date.now() - (statSync(breaker, {throwIfNoEntry: false})?.mtimeMs ?? Date.now()) > 10_000) rmSync(breaker, {force: true})
    return
  }
  try {
    if (readRaw(file) === stale) rmSync(file, {force: true})
  } finally {
    rmSync(breaker, {force: true})
  }
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** Takes one lock, or throws LockedError; true when this process already held it. */
function take(root: string, instance: string, holder: LockHolder): boolean {
  const file = lockFile(root, instance)
  mkdirSync(path.dirname(file), {recursive: true})
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const fd = openSync(file, 'wx')
      try {
        writeSync(fd, JSON.stringify(holder) + '\n')
      } finally {
        closeSync(fd)
      }
      return false
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const raw = readRaw(file)
    if (raw === undefined) continue
    const current = parseHolder(raw)
    if (current && current.pid === holder.pid && current.started === holder.started) return true
    if (current && processAlive(current)) throw new LockedError(instance, current)
    // An empty or partial file is a lock being written: give its writer a moment before calling it stale.
    if (!current && attempt < 5) {
      sleepSync(20)
      continue
    }
    breakStale(file, raw)
    sleepSync(5)
  }
  const current = readHolder(file)
  throw new LockedError(instance, current ?? {pid: 0, started: 0, command: 'unknown', since: new Date().toISOString()})
}

/**
 * Locks the instances for `command`; resolves to the release function. Throws LockedError, holding
 * nothing, when another live process holds any of them.
 */
export function lockInstances(root: string, instances: string[], command: string): () => void {
  const holder: LockHolder = {...self(), command, since: new Date().toISOString()}
  const taken: string[] = []
  try {
    for (const name of [...new Set(instances)].sort()) {
      if (!take(root, name, holder)) taken.push(name)
    }
  } catch (error) {
    for (const name of taken) rmSync(lockFile(root, name), {force: true})
    throw error
  }
  return () => {
    for (const name of taken) {
      const current = readHolder(lockFile(root, name))
      if (current?.pid === holder.pid) rmSync(lockFile(root, name), {force: true})
    }
  }
}
