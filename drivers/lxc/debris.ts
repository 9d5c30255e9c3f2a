/**
 * What is in Galley's lxcpath and store: its containers, found by their labels, and what killed
 * or crashed Galley processes left half-made there.
 */
import {existsSync, readdirSync, statSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {imageDir, storeDir} from '../../src/images/store.js'
import {processAlive} from '../../src/process.js'
import type {ContainerHandle} from '../driver.js'
import {isRunning, metaFile, readMeta} from './containers.js'

/** Galley's containers in `lxcpath` whose labels include `labels`. */
export function listContainers(lxcpath: string, labels: Record<string, string>): ContainerHandle[] {
  const out: ContainerHandle[] = []
  for (const name of readdirSync(lxcpath)) {
    try {
      const meta = readMeta(path.join(lxcpath, name))
      if (!Object.entries(labels).every(([k, v]) => meta.labels?.[k] === v)) continue
      const running = isRunning(name, lxcpath)
      out.push({driver: 'lxc', name, lxcpath, address: meta.address, instance: meta.labels?.['galley.instance'], running, run: meta.labels?.['galley.run'], root: meta.labels?.['galley.root'], ...(meta.init ? {init: meta.init} : {})})
    } catch {
      // Not one of Galley's, or half-made: `galley destroy` handles those by name.
    }
  }
  return out
}

/** Removes the entries of `dir` that match `pattern` and whose process (the pattern's first group) is gone. */
async function removeOrphans(dir: string, pattern: RegExp): Promise<string[]> {
  const removed: string[] = []
  for (const name of readdirSync(dir)) {
    const m = pattern.exec(name)
    if (!m || processAlive({pid: Number(m[1]), started: 0})) continue
    await rm(path.join(dir, name), {recursive: true, force: true})
    removed.push(path.join(dir, name))
  }
  return removed
}

/**
 * Half-made things of processes that are gone: layer and image copies (`.tmp-<id>-<pid>…`), archive
 * staging folders (`.stage-<pid>-…`), and container folders in `lxcpath` that never got their
 * labels. Returns what it removed.
 */
export async function removeDebris(lxcpath: string): Promise<string[]> {
  const removed: string[] = []
  // A layer's copy is `.tmp-<id>-<pid>`; one being removed (removeAside) also ends in a 13-digit time.
  removed.push(...(await removeOrphans(storeDir('layers'), /^\.tmp-.+-(\d{1,7})(?:-\d{13})?$/)))
  removed.push(...(await removeOrphans(storeDir('images'), /^\.tmp-.+-(\d+)-\d+$/)))
  for (const image of readdirSync(storeDir('images'))) {
    if (!image.startsWith('.') && existsSync(path.join(imageDir(image), 'image.json'))) removed.push(...(await removeOrphans(imageDir(image), /^\.stage-(\d+)-\d+$/)))
  }
  for (const name of readdirSync(lxcpath)) {
    const dir = path.join(lxcpath, name)
    if (existsSync(metaFile(dir)) || Date.now() - statSync(dir).mtimeMs < 60_000) continue
    if (isRunning(name, lxcpath)) continue
    await rm(dir, {recursive: true, force: true})
    removed.push(dir)
  }
  return removed
}
