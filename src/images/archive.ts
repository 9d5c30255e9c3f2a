/**
 * Image archives and layouts. An image is written once as an OCI image layout (oci-layout,
 * index.json, blobs/sha256/…: uncompressed layer tars, the config, the manifest); from that layout
 * Galley writes a `docker-archive` (manifest.json pointing into blobs/, which `docker load` and
 * `podman load` read), an `oci-archive` (the layout itself, plus the same manifest.json so that
 * Docker engines older than 25 load it too), or pushes it to a registry (registry.ts).
 */
import {createHash} from 'node:crypto'
import {closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {create as tarCreate, extract as tarExtract} from 'tar'

export type ArchiveFormat = 'docker-archive' | 'oci-archive'

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
}

/** What writeLayout made: the manifest's descriptor and its parts. */
export interface Layout {
  dir: string
  ref: string
  manifest: Descriptor
  config: Descriptor
  layers: Descriptor[]
}

export interface LayoutOptions {
  /** An empty folder to write the layout into. */
  dir: string
  /** The image's name, `name:tag`. */
  ref: string
  /** The image config: an object (its diff_ids are filled in from the layers) or the exact bytes of one. */
  config: Record<string, unknown> | Buffer
  /** Each layer's uncompressed tar, bottom first; each is read once. */
  layers: (() => Readable)[]
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b])

function startsWith(file: string, magic: Buffer): boolean {
  const fd = openSync(file, 'r')
  try {
    const head = Buffer.alloc(magic.length)
    return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(magic)
  } finally {
    closeSync(fd)
  }
}

export function blobPath(dir: string, digest: string): string {
  return path.join(dir, 'blobs', ...digest.split(':'))
}

async function writeBlob(dir: string, source: Readable, mediaType: string): Promise<Descriptor> {
  const tmp = path.join(dir, 'blobs', `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`)
  const hash = createHash('sha256')
  let size = 0
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  await pipeline(source, hashing, createWriteStream(tmp))
  const digest = `sha256:${hash.digest('hex')}`
  renameSync(tmp, blobPath(dir, digest))
  return {mediaType, digest, size}
}

function writeJsonBlob(dir: string, body: Buffer, mediaType: string): Descriptor {
  const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
  writeFileSync(blobPath(dir, digest), body)
  return {mediaType, digest, size: body.length}
}

/** An image config for a root filesystem Galley made, with `labels` and one history entry per layer. */
export function imageConfig(labels: Record<string, string>, history: string[]): Record<string, unknown> {
  const created = new Date().toISOString()
  return {
    architecture: process.arch === 'arm64' ? 'arm64' : process.arch === 'x64' ? 'amd64' : process.arch,
    os: 'linux',
    created,
    config: {Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], Labels: labels},
    rootfs: {type: 'layers', diff_ids: []},
    history: history.map((createdBy) => ({created, created_by: createdBy})),
  }
}

export async function writeLayout(options: LayoutOptions): Promise<Layout> {
  const {dir} = options
  mkdirSync(path.join(dir, 'blobs', 'sha256'), {recursive: true})
  const layers: Descriptor[] = []
  for (const open of options.layers) {
    const layer = await writeBlob(dir, open(), MEDIA.layer)
    // An engine may hand over compressed layers; the media type has to say so.
    if (startsWith(blobPath(dir, layer.digest), GZIP_MAGIC)) layer.mediaType = `${MEDIA.layer}+gzip`
    layers.push(layer)
  }
  let configBytes: Buffer
  if (Buffer.isBuffer(options.config)) configBytes = options.config
  else {
    // Uncompressed layers: each diff_id is the layer blob's own digest.
    configBytes = Buffer.from(JSON.stringify({...options.config, rootfs: {type: 'layers', diff_ids: layers.map((l) => l.digest)}}))
  }
  const config = writeJsonBlob(dir, configBytes, MEDIA.config)
  const manifestBody = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: MEDIA.manifest, config, layers}))
  const manifest = writeJsonBlob(dir, manifestBody, MEDIA.manifest)
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{...manifest, annotations: {'org.opencontainers.image.ref.name': options.ref, 'io.containerd.image.name': options.ref}}],
  }
  writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({imageLayoutVersion: '1.0.0'}))
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index))
  return {dir, ref: options.ref, manifest, config, layers}
}

/**
 * Tars the layout into `file` (written beside it and renamed, so a failed write leaves no half
 * archive). Both formats carry manifest.json; only an oci-archive carries oci-layout and index.json.
 */
export async function archiveLayout(layout: Layout, format: ArchiveFormat, file: string): Promise<void> {
  const rel = (d: Descriptor) => path.posix.join('blobs', ...d.digest.split(':'))
  writeFileSync(path.join(layout.dir, 'manifest.json'), JSON.stringify([{Config: rel(layout.config), RepoTags: [layout.ref], Layers: layout.layers.map(rel)}]))
  const entries = ['manifest.json', 'blobs', ...(format === 'oci-archive' ? ['oci-layout', 'index.json'] : [])]
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await tarCreate({cwd: layout.dir, file: tmp, portable: true, filter: (p) => !path.basename(p).startsWith('.tmp-')}, entries)
    renameSync(tmp, file)
  } finally {
    await rm(tmp, {force: true})
  }
}

/**
 * Unpacks a docker-archive stream (what an engine's image export gives) into `dir` and writes it
 * again as a layout in `dir/layout`, keeping the config's exact bytes so the image id stays the same.
 */
export async function layoutFromDockerArchive(stream: NodeJS.ReadableStream, dir: string, ref: string): Promise<Layout> {
  const unpacked = path.join(dir, 'unpacked')
  mkdirSync(unpacked, {recursive: true})
  await pipeline(stream, tarExtract({cwd: unpacked}))
  const [entry] = JSON.parse(readFileSync(path.join(unpacked, 'manifest.json'), 'utf8')) as {Config: string; Layers: string[]}[]
  if (!entry) throw new Error('the engine exported an archive without an image in its manifest.json')
  const inside = (p: string) => {
    const full = path.resolve(unpacked, p)
    if (!full.startsWith(unpacked + path.sep)) throw new Error(`the engine's archive names a path outside itself: ${p}`)
    return full
  }
  const layout = await writeLayout({
    dir: path.join(dir, 'layout'),
    ref,
    config: readFileSync(inside(entry.Config)),
    layers: entry.Layers.map((l) => () => createReadStream(inside(l))),
  })
  await rm(unpacked, {recursive: true, force: true})
  return layout
}
