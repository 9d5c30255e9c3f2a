/**
 * Host folders in Docker and Podman containers: an overlay mount (the host folder as the lower
 * layer) made by a named volume of the engine's local driver, so writes inside stay in Galley's
 * store, not in the host folder. (Podman ignores driver options on anonymous volumes, hence named
 * ones.) A container's volumes and upper folders are one mount set, named by a random id kept in the
 * label galley.mounts on the container and its volumes, so a container of the same name can be made
 * while a retired one is still being removed.
 */
import {createHash, randomBytes} from 'node:crypto'
import {mkdirSync, readdirSync, statSync} from 'node:fs'
import {rm, rmdir} from 'node:fs/promises'
import path from 'node:path'
import {storeDir} from '../../src/images/store.js'
import type {Engine} from './engine.js'

/** Label naming the container a volume was made for. */
const VOLUME_OWNER = 'galley.container'
/** Label of a container's mount set, on it and on its volumes. */
export const MOUNT_SET = 'galley.mounts'
/** What retiring a container adds to its name. */
const RETIRED = /\.retired-[0-9a-f]{8}$/
/** Debris younger than this may belong to a container being made right now. */
const DEBRIS_AGE_MS = 60_000

/** The name a retired container had, which its volumes and folders still carry. */
export const ownerOf = (container: string): string => container.replace(RETIRED, '')

/** A name to retire `container` under. */
export const retiredName = (container: string): string => `${container}.retired-${randomBytes(4).toString('hex')}`

export class MountSets {
  constructor(private readonly engine: Engine) {}

  /** Upper folders of the mount volumes of this engine's containers (one folder per engine socket). */
  private dir(): string {
    return storeDir('docker', createHash('sha256').update(this.engine.socket).digest('hex').slice(0, 12))
  }

  /** Makes the volumes of a new container's mounts; `set` is undefined when there are none. */
  async make(container: string, mounts: {source: string; target: string}[]): Promise<{set?: string; mounts: {Type: 'volume'; Source: string; Target: string}[]}> {
    if (mounts.length === 0) return {mounts: []}
    const set = randomBytes(4).toString('hex')
    const made = []
    for (const [i, m] of mounts.entries()) {
      const dir = path.join(this.dir(), container, set, `mount${i}`)
      mkdirSync(path.join(dir, 'upper'), {recursive: true})
      mkdirSync(path.join(dir, 'work'), {recursive: true})
      const volume = `${container}-${set}-mount${i}`
      await this.engine.createVolume(volume, {type: 'overlay', device: 'overlay', o: `lowerdir=${m.source},upperdir=${dir}/upper,workdir=${dir}/work`}, {[VOLUME_OWNER]: container, [MOUNT_SET]: set})
      made.push({Type: 'volume' as const, Source: volume, Target: m.target})
    }
    return {set, mounts: made}
  }

  /**
   * Removes a container's mount set: its volumes and folders. Without a set (a container made
   * before mount sets), every volume and folder made for its name.
   */
  async remove(container: string, set?: string): Promise<void> {
    const owner = ownerOf(container)
    if (set === undefined) {
      await this.engine.removeVolumes({[VOLUME_OWNER]: owner})
      await rm(path.join(this.dir(), owner), {recursive: true, force: true})
      return
    }
    // By the set alone: Podman matches a volume that has any one of several labels asked for.
    await this.engine.removeVolumes({[MOUNT_SET]: set})
    await rm(path.join(this.dir(), owner, set), {recursive: true, force: true})
    // The container's folder goes with its last set (its successor's may be there).
    await rmdir(path.join(this.dir(), owner)).catch(() => {})
  }

  /** Whether no volume was made for a container of this name. */
  async none(container: string): Promise<boolean> {
    return (await this.engine.listVolumes(`${VOLUME_OWNER}=${ownerOf(container)}`)).length === 0
  }

  /** Volumes and folders whose container (`containers`: the names of those there are) is gone. */
  async removeDebris(containers: string[]): Promise<string[]> {
    const removed: string[] = []
    // A retired container, still being removed (or left by a crash meanwhile), owns them under its old name.
    const owners = new Set(containers.map(ownerOf))
    const old = (created: number) => Date.now() - created > DEBRIS_AGE_MS
    for (const v of await this.engine.listVolumes(VOLUME_OWNER)) {
      const owner = v.Labels?.[VOLUME_OWNER] ?? ''
      const created = Date.parse((v as {CreatedAt?: string}).CreatedAt ?? '') || 0
      if (owners.has(owner) || !old(created)) continue
      await this.engine.removeVolumes({[VOLUME_OWNER]: owner})
      removed.push(`volume ${v.Name}`)
    }
    const dirs = this.dir()
    for (const name of readdirSync(dirs)) {
      if (owners.has(name) || !old(statSync(path.join(dirs, name)).mtimeMs)) continue
      await rm(path.join(dirs, name), {recursive: true, force: true})
      removed.push(`folder ${path.join(dirs, name)}`)
    }
    return removed
  }
}
