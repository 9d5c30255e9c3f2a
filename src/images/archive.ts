/**
 * Writes a root filesystem directory as a one-layer image archive in the docker-archive format
 * (manifest.json, the config named by its digest, the layer tar), which `docker load` (Docker 20.10
 * needs manifest.json) and `podman load` both read. diff_ids are the sha256 of the uncompressed layer.
 */
import {createHash} from 'node:crypto'
import {createWriteStream, mkdirSync, mkdtempSync, renameSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {create as tarCreate} from 'tar'
import {packDirectory} from './tar.js'

export interface ArchiveOptions {
  rootfs: string
  ref: string
  labels: Record<string, string>
  file: string
}

export async function writeDockerArchive(options: ArchiveOptions): Promise<void> {
  const staging = mkdtempSync(path.join(tmpdir(), 'galley-archive-'))
  try {
    const hash = createHash('sha256')
    const layerTmp = path.join(staging, 'layer.tar')
    const hashing = new Transform({
      transform(chunk, _enc, done) {
        hash.update(chunk)
        done(null, chunk)
      },
    })
    await pipeline(packDirectory(options.rootfs), hashing, createWriteStream(layerTmp))
    const diffId = hash.digest('hex')
    mkdirSync(path.join(staging, diffId))
    renameSync(layerTmp, path.join(staging, diffId, 'layer.tar'))
    const config = JSON.stringify({
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
      os: 'linux',
      created: new Date().toISOString(),
      config: {Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], Labels: options.labels},
      rootfs: {type: 'layers', diff_ids: [`sha256:${diffId}`]},
      history: [{created: new Date().toISOString(), created_by: 'galley promote'}],
    })
    const configId = createHash('sha256').update(config).digest('hex')
    writeFileSync(path.join(staging, `${configId}.json`), config)
    writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify([{Config: `${configId}.json`, RepoTags: [options.ref], Layers: [`${diffId}/layer.tar`]}]))
    const tmp = `${options.file}.${process.pid}.tmp`
    await tarCreate({cwd: staging, file: tmp, portable: true}, ['manifest.json', `${configId}.json`, diffId])
    renameSync(tmp, options.file)
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
}
