/**
 * The engines of pools that runs on this machine have used, in $GALLEY_HOME/pool/engines.json, so
 * that `galley prune --orphans`, which works from any folder, looks on every one of them and not
 * only on the engines of this machine. An engine unused for 90 days is forgotten.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {writeFileAtomic} from '../../files.js'
import {storeDir} from '../../images/store.js'

export interface KnownEngine {
  name: string
  /** Its address (drivers/docker/endpoint.ts), enough to reach it again. */
  address: string
  lastUsed: string
}

const FORGET_MS = 90 * 24 * 3600 * 1000

function file(): string {
  return path.join(storeDir('pool'), 'engines.json')
}

/** The engines recorded, most recently used first. */
export function knownEngines(): KnownEngine[] {
  try {
    const engines = JSON.parse(readFileSync(file(), 'utf8')) as KnownEngine[]
    return Array.isArray(engines) ? engines.sort((a, b) => b.lastUsed.localeCompare(a.lastUsed)) : []
  } catch {
    return []
  }
}

/** Records that a run used these engines (by address; the latest name wins). */
export function rememberEngines(engines: {name: string; address: string}[]): void {
  const now = new Date()
  const byAddress = new Map(knownEngines().filter((e) => now.getTime() - Date.parse(e.lastUsed) < FORGET_MS).map((e) => [e.address, e]))
  for (const e of engines) byAddress.set(e.address, {name: e.name, address: e.address, lastUsed: now.toISOString()})
  try {
    writeFileAtomic(file(), JSON.stringify([...byAddress.values()], null, 2) + '\n')
  } catch {
    // Only prune reads it; a store that cannot be written here fails the run elsewhere, loudly.
  }
}
