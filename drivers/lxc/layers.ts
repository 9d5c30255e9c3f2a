/**
 * Step snapshots: layers named step-<cache key> in Galley's layer store. A layer is a copy of a
 * container's upper directory taken while it is frozen, plus the list of what it stacks on, so a
 * container made from it stacks that copy over its base's layers.
 */
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {run} from '../../src/images/run.js'
import {diskUsage, imageLowers, moveIntoPlace, removeAside, storeDir} from '../../src/images/store.js'
import type {SnapshotInfo} from '../driver.js'
import {readMeta, UPPER_NAME} from './containers.js'
import * as lxc from './ffi.js'
import {whileFrozen} from './freezer.js'

const STEP_PREFIX = 'step-'
const LAYER_FILE = 'layer.json'

interface Layer {
  id: string
  key: string
  /** What a container made from it stacks, top first: this layer's own rootfs, then its base's. */
  lowers: string[]
  createdAt: string
  size: number
}

function layerDir(id: string): string {
  return path.join(storeDir('layers'), id)
}

function readLayer(id: string): Layer {
  return JSON.parse(readFileSync(path.join(layerDir(id), LAYER_FILE), 'utf8')) as Layer
}

/** Every step layer in the store; half-written ones are left out. */
function readLayers(): Layer[] {
  return readdirSync(storeDir('layers'))
    .filter((n) => n.startsWith(STEP_PREFIX))
    .flatMap((n) => {
      try {
        return [readLayer(n)]
      } catch {
        return []
      }
    })
}

/**
 * Copies the container's upper directory to `dest` while the container is frozen, so it cannot
 * change what is being copied. cp -a keeps overlay's whiteouts (0/0 character devices) and
 * opaque-directory xattrs.
 */
export async function copyUpperFrozen(name: string, lxcpath: string, dest: string): Promise<void> {
  await lxc.withContainer(name, lxcpath, (c) => whileFrozen(c, name, () => run('cp', ['-a', path.join(lxcpath, name, UPPER_NAME), dest])))
}

/** The directories a container made from this snapshot (a base image or a step layer) stacks, top first. */
export function lowersOf(id: string): string[] {
  if (!id.startsWith(STEP_PREFIX)) return imageLowers(id)
  try {
    return readLayer(id).lowers
  } catch (error) {
    throw new lxc.LxcError(`step snapshot ${id} is not in the layer store`, {cause: error, hint: 'Run again with --no-cache, or galley cache prune --all.'})
  }
}

/** Stores the container's filesystem as the step layer for `key` (kept if one is there); returns its id. */
export async function snapshotLayer(name: string, lxcpath: string, key: string): Promise<string> {
  const id = `${STEP_PREFIX}${key}`
  const final = layerDir(id)
  if (existsSync(path.join(final, LAYER_FILE))) return id
  const meta = readMeta(path.join(lxcpath, name))
  const tmp = path.join(storeDir('layers'), `.tmp-${id}-${process.pid}`)
  mkdirSync(tmp, {recursive: true})
  try {
    await copyUpperFrozen(name, lxcpath, path.join(tmp, 'rootfs'))
    const layer: Layer = {id, key, lowers: [path.join(final, 'rootfs'), ...meta.lowers], createdAt: new Date().toISOString(), size: diskUsage(path.join(tmp, 'rootfs'))}
    writeFileSync(path.join(tmp, LAYER_FILE), JSON.stringify(layer, null, 2) + '\n')
    // Another process may have stored the same step meanwhile: theirs is as good as ours.
    await moveIntoPlace(tmp, final, () => existsSync(path.join(final, LAYER_FILE)))
    return id
  } finally {
    await rm(tmp, {recursive: true, force: true})
  }
}

/** The layer's id for `key`; a layer counts only while everything it stacks is there (a removed base image voids it). */
export function findLayer(key: string): string | undefined {
  const id = `${STEP_PREFIX}${key}`
  try {
    return readLayer(id).lowers.every((l) => existsSync(l)) ? id : undefined
  } catch {
    return undefined
  }
}

/** Every directory that a container in `lxcpath` or another layer stacks. */
export function stackedDirs(lxcpath: string): Set<string> {
  const used = new Set<string>()
  for (const name of readdirSync(lxcpath)) {
    try {
      for (const l of readMeta(path.join(lxcpath, name)).lowers ?? []) used.add(l)
    } catch {
      // Not one of Galley's containers.
    }
  }
  for (const layer of readLayers()) for (const l of layer.lowers.slice(1)) used.add(l)
  return used
}

/** The step layers as `galley cache ls` shows them, each saying whether something stacks it. */
export function listLayers(lxcpath: string): SnapshotInfo[] {
  const used = stackedDirs(lxcpath)
  return readLayers().map((l) => ({id: l.id, key: l.key, createdAt: l.createdAt, size: l.size, inUse: used.has(l.lowers[0])}))
}

/** Removes the layer unless a container or another layer stacks it; false then. */
export async function removeLayer(lxcpath: string, id: string): Promise<boolean> {
  const layer = readLayers().find((l) => l.id === id)
  if (!layer || stackedDirs(lxcpath).has(layer.lowers[0])) return false
  await removeAside(layerDir(id))
  return true
}
