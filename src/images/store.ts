/** Where Galley keeps what outlives a project run: base images, its LXC containers, address leases. */
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync} from 'node:fs'
import {readdir, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import type {BootstrapSpec} from '../config/types.js'
import {writeFileAtomic} from '../files.js'

/** Galley's machine-wide store: $GALLEY_HOME, default /var/lib/galley. */
export function galleyHome(): string {
  return path.resolve(process.env.GALLEY_HOME || '/var/lib/galley')
}

/** A directory in the store, created if missing. */
export function storeDir(...parts: string[]): string {
  const p = path.join(galleyHome(), ...parts)
  mkdirSync(p, {recursive: true})
  return p
}

/** A path in the store whose parent directory exists. */
export function storePath(...parts: string[]): string {
  const p = path.join(galleyHome(), ...parts)
  mkdirSync(path.dirname(p), {recursive: true})
  return p
}

/**
 * Removes a folder of the store by first renaming it aside (atomic), so that no other process ever
 * sees it half-removed. The aside name is a `.tmp-<name>-<pid>-<time>` of this process: a removal
 * cut short leaves one that removeDebris clears. One already gone is not an error.
 */
export async function removeAside(dir: string): Promise<void> {
  const aside = path.join(path.dirname(dir), `.tmp-${path.basename(dir)}-${process.pid}-${Date.now()}`)
  try {
    renameSync(dir, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  await rm(aside, {recursive: true, force: true})
}

/**
 * Moves the finished folder `tmp` to `final`. False when another process put a complete one there
 * first (`complete` says whether it is): ours is not needed. A folder that is not complete is what a
 * removal cut short left: it is set aside and ours takes its place.
 */
export async function moveIntoPlace(tmp: string, final: string, complete: () => boolean): Promise<boolean> {
  try {
    renameSync(tmp, final)
    return true
  } catch (error) {
    if (complete()) return false
    if (!existsSync(final)) throw error
    await removeAside(final)
    renameSync(tmp, final)
    return true
  }
}

export interface ImageRecord {
  id: string
  /** How it was made: a bootstrap spec, or promoted from an instance under a name. */
  spec: BootstrapSpec | {promoted: string}
  labels?: Record<string, string>
  createdAt: string
  /** Bytes on disk, measured when built. */
  size: number
  /**
   * A promoted LXC image keeps the overlay layers it was made of (folders in the image's folder,
   * bottom first) instead of one rootfs, so its archive has the same layers.
   */
  layers?: string[]
}

/** The spec as hashed: key order fixed, defaults filled, so equal specs share an image. */
export function canonicalSpec(spec: BootstrapSpec | {promoted: string}): string {
  if ('promoted' in spec) return JSON.stringify(spec)
  if (spec.bootstrap === 'busybox') return JSON.stringify({bootstrap: 'busybox'})
  return JSON.stringify({
    bootstrap: 'debootstrap',
    release: spec.release,
    variant: spec.variant,
    packages: [...spec.packages].sort(),
    mirror: spec.mirror ?? null,
  })
}

/** `base-<hash>`: the image id for a spec (plus what the builder adds, such as the busybox version). */
export function imageId(spec: BootstrapSpec, builderVersion: string): string {
  return 'base-' + createHash('sha256').update(canonicalSpec(spec)).update('\0').update(builderVersion).digest('hex').slice(0, 16)
}

export function imageDir(id: string): string {
  return storePath('images', id)
}

export function imageRootfs(id: string): string {
  return path.join(imageDir(id), 'rootfs')
}

/** The directories a container made from the image stacks, top first. */
export function imageLowers(id: string): string[] {
  const layers = readImage(id).layers
  return layers ? layers.map((l) => path.join(imageDir(id), l)).reverse() : [imageRootfs(id)]
}

export function hasImage(id: string): boolean {
  return existsSync(path.join(imageDir(id), 'image.json'))
}

export async function listImages(): Promise<ImageRecord[]> {
  const dir = storeDir('images')
  const out: ImageRecord[] = []
  for (const name of await readdir(dir).catch(() => [])) {
    if (name.startsWith('.')) continue
    try {
      out.push(JSON.parse(await readFile(path.join(dir, name, 'image.json'), 'utf8')) as ImageRecord)
    } catch {
      // A folder without image.json is a build that never finished; `image rm` removes it.
    }
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

export async function removeImage(id: string): Promise<boolean> {
  const dir = imageDir(id)
  if (!existsSync(dir)) return false
  await removeAside(dir)
  // Names given by galley promote go with the image.
  const tags = readTags()
  for (const [ref, target] of Object.entries(tags)) if (target === id) removeTag(ref)
  return true
}

/** Bytes used by a directory tree (files counted once per inode). */
export function diskUsage(dir: string): number {
  const seen = new Set<string>()
  let total = 0
  const walk = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = path.join(d, e.name)
      const st = statSync(p, {throwIfNoEntry: false})
      if (!st || e.isSymbolicLink()) continue
      const key = `${st.dev}:${st.ino}`
      if (seen.has(key)) continue
      seen.add(key)
      if (e.isDirectory()) walk(p)
      else total += st.blocks * 512
    }
  }
  walk(dir)
  return total
}

/** Images promoted from instances, by the name they were given (`myapp:1.0` → image id). */
function tagsFile(): string {
  // Read before anything is made (a platform naming a promoted image): no folder is created for it.
  return path.join(galleyHome(), 'images', 'tags.json')
}

export function readTags(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(tagsFile(), 'utf8')) as Record<string, string>
  } catch {
    return {}
  }
}

export function writeTag(ref: string, id: string): void {
  writeFileAtomic(tagsFile(), JSON.stringify({...readTags(), [ref]: id}, null, 2) + '\n', {durable: true})
}

function removeTag(ref: string): void {
  const {[ref]: _gone, ...rest} = readTags()
  writeFileAtomic(tagsFile(), JSON.stringify(rest, null, 2) + '\n', {durable: true})
}

export function readImage(id: string): ImageRecord {
  return JSON.parse(readFileSync(path.join(imageDir(id), 'image.json'), 'utf8')) as ImageRecord
}
