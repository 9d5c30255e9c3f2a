/**
 * Image bundles: Galley's built base images and step snapshots in one file, to carry them between
 * CI runs (actions/cache and the like) so a warm job skips debootstrap and cached steps. A bundle
 * is a tar holding bundle.json, the LXC store's images/ and layers/ entries, and docker.tar (the
 * Docker engine's galley-base and galley-step images, as `docker save` writes them). GNU tar
 * writes the store part: step layers hold overlay whiteouts (device nodes) and opaque-directory
 * xattrs, which it keeps and npm's tar does not.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {UsageError} from '../errors.js'
import {run} from './run.js'
import {galleyHome, readTags, storeDir, writeTag} from './store.js'

export const BUNDLE_VERSION = 1

export interface BundleManifest {
  version: number
  /** $GALLEY_HOME where it was saved: layer records name their lowers by absolute path. */
  home: string
  images: string[]
  layers: string[]
  tags: Record<string, string>
  docker: string[]
  createdAt: string
}

/** The Docker side, when an engine answers (kept apart so the LXC store needs no engine). */
export interface DockerSide {
  galleyImages(): Promise<string[]>
  saveImages(refs: string[], file: string): Promise<void>
  loadImages(file: string): Promise<void>
}

const tar = (args: string[]) => run('tar', args)

const TAR_KEEP = ['--xattrs', '--xattrs-include=*', '--numeric-owner']
const compressed = (file: string) => (/\.(tgz|tar\.gz)$/.test(file) ? ['-z'] : [])
const finished = (dir: string, marker: string) => (name: string) => !name.startsWith('.') && existsSync(path.join(dir, name, marker))

/** Saves the whole store (finished images and layers) and the engine's galley images to `file`. */
export async function saveBundle(file: string, docker?: DockerSide): Promise<BundleManifest> {
  const home = galleyHome()
  const images = readdirSync(storeDir('images')).filter(finished(storeDir('images'), 'image.json'))
  const layers = readdirSync(storeDir('layers')).filter(finished(storeDir('layers'), 'layer.json'))
  const staging = mkdtempSync(path.join(storeDir(), '.bundle-'))
  try {
    const refs = docker ? await docker.galleyImages() : []
    if (refs.length > 0) await docker!.saveImages(refs, path.join(staging, 'docker.tar'))
    const manifest: BundleManifest = {version: BUNDLE_VERSION, home, images, layers, tags: readTags(), docker: refs, createdAt: new Date().toISOString()}
    writeFileSync(path.join(staging, 'bundle.json'), JSON.stringify(manifest, null, 2) + '\n')
    const tmp = `${path.resolve(file)}.${process.pid}.tmp`
    try {
      await tar([
        ...compressed(file),
        '-cf',
        tmp,
        ...TAR_KEEP,
        '-C',
        staging,
        'bundle.json',
        ...(refs.length ? ['docker.tar'] : []),
        '-C',
        home,
        ...images.map((i) => `images/${i}`),
        ...layers.map((l) => `layers/${l}`),
      ])
      renameSync(tmp, path.resolve(file))
    } finally {
      await rm(tmp, {force: true})
    }
    return manifest
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
}

export interface LoadOutcome {
  images: string[]
  layers: string[]
  /** Already in the store, so left as they were. */
  kept: string[]
  docker: string[]
}

/**
 * Loads a bundle: images and layers the store lacks go in whole (each moved into place in one
 * rename), layer records are pointed at this store, tags are added, and the Docker part is loaded
 * into the engine when one is given.
 */
export async function loadBundle(file: string, docker?: DockerSide): Promise<LoadOutcome> {
  if (!existsSync(file)) throw new UsageError(`no bundle at ${file}`, {hint: 'galley image save -o FILE writes one.'})
  const home = galleyHome()
  const staging = mkdtempSync(path.join(storeDir(), '.bundle-'))
  try {
    try {
      await tar([...compressed(file), '-xf', path.resolve(file), ...TAR_KEEP, '-C', staging])
    } catch (error) {
      throw new UsageError(`${file} is not a Galley image bundle: ${(error as Error).message}`, {hint: 'Give a file written by galley image save (.tar, or .tar.gz / .tgz when compressed).'})
    }
    let manifest: BundleManifest
    try {
      manifest = JSON.parse(readFileSync(path.join(staging, 'bundle.json'), 'utf8')) as BundleManifest
    } catch {
      throw new UsageError(`${file} is not a Galley image bundle (no bundle.json)`, {hint: 'Give a file written by galley image save.'})
    }
    if (manifest.version !== BUNDLE_VERSION) throw new UsageError(`${file} is a version ${manifest.version} bundle; this Galley reads version ${BUNDLE_VERSION}`)
    const outcome: LoadOutcome = {images: [], layers: [], kept: [], docker: []}
    const place = (kind: 'images' | 'layers', id: string) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) throw new UsageError(`${file} names an entry \`${id}\` that is not an id`)
      const target = path.join(storeDir(kind), id)
      if (existsSync(target)) return void outcome.kept.push(id)
      renameSync(path.join(staging, kind, id), target)
      outcome[kind].push(id)
    }
    for (const id of manifest.images) place('images', id)
    for (const id of manifest.layers) {
      // Lowers were absolute paths in the saving store.
      const record = path.join(staging, 'layers', id, 'layer.json')
      if (manifest.home !== home && existsSync(record)) {
        const layer = JSON.parse(readFileSync(record, 'utf8')) as {lowers: string[]}
        layer.lowers = layer.lowers.map((l) => (l.startsWith(manifest.home + path.sep) ? home + l.slice(manifest.home.length) : l))
        writeFileSync(record, JSON.stringify(layer, null, 2) + '\n')
      }
      place('layers', id)
    }
    const tags = readTags()
    for (const [ref, id] of Object.entries(manifest.tags ?? {})) if (!tags[ref] && manifest.images.includes(id)) writeTag(ref, id)
    if (docker && manifest.docker.length > 0 && existsSync(path.join(staging, 'docker.tar'))) {
      await docker.loadImages(path.join(staging, 'docker.tar'))
      outcome.docker = manifest.docker
    }
    return outcome
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
}
