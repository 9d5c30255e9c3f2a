/**
 * Images in Galley's own store, as the LXC driver uses them: base images it builds, and images
 * promoted from instances (stacks of the layers they were made of), archived or pushed as OCI
 * images with one image layer per overlay layer.
 */
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, renameSync, rmdirSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {archiveLayout, imageConfig, writeLayout, type ArchiveFormat, type Layout} from '../../src/images/archive.js'
import {stageLayer} from '../../src/images/layer.js'
import {pushLayout} from '../../src/images/registry.js'
import {run} from '../../src/images/run.js'
import {diskUsage, hasImage, imageDir, imageLowers, readImage, readTags, removeImage, storePath, writeTag, type ImageRecord} from '../../src/images/store.js'
import {packDirectory} from '../../src/images/tar.js'
import {readMeta} from './containers.js'
import * as lxc from './ffi.js'
import {copyUpperFrozen, stackedDirs} from './layers.js'

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir)
  } catch {
    // Not empty, or not there.
  }
}

/**
 * Makes the container `name` a base image in Galley's store named `ref`, so a platform can use
 * `image: ref`. The image keeps the container's layers: hard-linked copies of the directories it
 * stacks (the base image, then each step layer; they never change, so links are safe and cheap)
 * and a copy of its own upper directory taken while it is frozen.
 */
export async function promoteContainer(name: string, lxcpath: string, ref: string, labels: Record<string, string>): Promise<void> {
  const dir = path.join(lxcpath, name)
  const id = 'promoted-' + createHash('sha256').update(ref).update(String(Date.now())).digest('hex').slice(0, 16)
  const tmp = storePath('images', `.tmp-${id}-${process.pid}-${Date.now()}`)
  mkdirSync(path.join(tmp, 'layers'), {recursive: true})
  try {
    const meta = readMeta(dir)
    const bottomFirst = [...meta.lowers].reverse()
    const layers = [...bottomFirst, 'top'].map((_l, i) => `layers/${i}`)
    for (const [i, lower] of bottomFirst.entries()) await run('cp', ['-al', lower, path.join(tmp, layers[i])])
    const top = path.join(tmp, layers.at(-1)!)
    await lxc.withContainer(name, lxcpath, (c) => {
      if (lxc.init_pid(c) <= 0) throw new lxc.LxcError(`${name} is not running; it cannot be promoted`, {hint: 'Run galley verify on it, then promote.'})
    })
    await copyUpperFrozen(name, lxcpath, top)
    // The bind-mounted resolv.conf and the project's mount point are the host's ways in, not part of the image.
    await rm(path.join(top, 'etc', 'resolv.conf'), {force: true})
    if (meta.init === 'systemd') {
      // So is the hostname file Galley binds; and the machine id systemd wrote is the instance's:
      // blank, each container made from the image gets its own.
      await rm(path.join(top, 'etc', 'hostname'), {force: true})
      if (existsSync(path.join(top, 'etc', 'machine-id'))) writeFileSync(path.join(top, 'etc', 'machine-id'), '')
    }
    rmdirQuietly(path.join(top, 'tmp', 'galley'))
    const record: ImageRecord = {id, spec: {promoted: ref}, labels, createdAt: new Date().toISOString(), size: diskUsage(path.join(tmp, 'layers')), layers}
    writeFileSync(path.join(tmp, 'image.json'), JSON.stringify(record, null, 2) + '\n')
    renameSync(tmp, imageDir(id))
    const previous = readTags()[ref]
    writeTag(ref, id)
    // The image the name pointed to before goes, unless another name or a container still uses it.
    if (previous && previous !== id && !Object.values(readTags()).includes(previous) && hasImage(previous)) {
      const used = stackedDirs(lxcpath)
      if (!imageLowers(previous).some((l) => used.has(l))) await removeImage(previous)
    }
  } finally {
    await rm(tmp, {recursive: true, force: true})
  }
}

/**
 * Writes the image as an OCI layout in `staging`: one layer per overlay layer, bottom first, with
 * overlay's whiteouts and opaque directories turned into image-layer whiteouts.
 */
async function writeImageLayout(ref: string, staging: string): Promise<Layout> {
  const id = readTags()[ref]
  if (!id || !hasImage(id)) throw new lxc.LxcError(`no image ${ref} in Galley's LXC store`, {hint: 'Promote an instance under that name first (galley image ls lists the store).'})
  const record = readImage(id)
  const layers = [...imageLowers(id)].reverse()
  const staged: string[] = []
  for (const [i, layer] of layers.entries()) {
    const dest = path.join(imageDir(id), `.stage-${process.pid}-${i}`)
    await rm(dest, {recursive: true, force: true})
    await stageLayer(layer, dest, (d) => lxc.lgetxattr(d, 'trusted.overlay.opaque') === 'y')
    staged.push(dest)
  }
  try {
    const history = layers.map((_l, i) => (i === 0 ? `galley base ${record.layers ? 'image' : 'rootfs'}` : i === layers.length - 1 ? `galley promote ${ref}` : 'galley step'))
    return await writeLayout({dir: staging, ref, config: imageConfig(record.labels ?? {}, history), layers: staged.map((d) => () => packDirectory(d))})
  } finally {
    for (const d of staged) await rm(d, {recursive: true, force: true})
  }
}

/** Hands image `ref`'s OCI layout, written to a temporary folder, to `use`; removes the folder after. */
async function withImageLayout(ref: string, use: (layout: Layout) => Promise<unknown>): Promise<void> {
  const staging = mkdtempSync(path.join(tmpdir(), 'galley-image-'))
  try {
    await use(await writeImageLayout(ref, staging))
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
}

/** Writes image `ref` as a docker-archive or oci-archive file. */
export function saveImage(ref: string, format: ArchiveFormat, file: string): Promise<void> {
  return withImageLayout(ref, (layout) => archiveLayout(layout, format, file))
}

/** Pushes image `ref` to the registry its name names. */
export function pushImage(ref: string, onProgress?: (line: string) => void): Promise<void> {
  return withImageLayout(ref, (layout) => pushLayout(layout, ref, onProgress))
}
