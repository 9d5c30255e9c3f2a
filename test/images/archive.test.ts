import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {archiveLayout, blobPath, imageConfig, layoutFromDockerArchive, writeLayout} from '../../src/images/archive.js'
import {OPAQUE_MARKER, stageLayer} from '../../src/images/layer.js'
import {isLoopback, parseRegistryRef} from '../../src/images/registry.js'
import {packDirectory} from '../../src/images/tar.js'
import {makeProject, removeProject} from '../fakes/project.js'

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const untar = (file: string, dest: string) => {
  mkdirSync(dest, {recursive: true})
  const r = spawnSync('tar', ['-xf', file, '-C', dest])
  assert.is(r.status, 0, String(r.stderr))
}
const list = (file: string) => spawnSync('tar', ['-tf', file], {encoding: 'utf8'}).stdout.trim().split('\n')

const Layers = suite('overlay layers as image layers')

// Whiteouts are character devices, and only root may make them (mknod).
const asRoot = process.getuid?.() === 0 ? Layers : Layers.skip

asRoot('whiteouts become .wh. files and opaque folders get the opaque marker; the layer is untouched', async () => {
  const root = makeProject({'layer/etc/app.conf': 'x', 'layer/opt/d/new': 'n', 'layer/keep/file': 'k'})
  try {
    const layer = path.join(root, 'layer')
    assert.is(spawnSync('mknod', [path.join(layer, 'etc', 'gone'), 'c', '0', '0']).status, 0)
    // A device that is not 0/0 is not a whiteout.
    assert.is(spawnSync('mknod', [path.join(layer, 'etc', 'null'), 'c', '1', '3']).status, 0)
    const dest = path.join(root, 'staged')
    const markers = await stageLayer(layer, dest, (d) => d.endsWith(`${path.sep}opt${path.sep}d`))
    assert.equal(markers, {whiteouts: ['etc/gone'], opaque: ['opt/d']})
    assert.is(readFileSync(path.join(dest, 'etc', '.wh.gone'), 'utf8'), '')
    assert.not.ok(existsSync(path.join(dest, 'etc', 'gone')))
    assert.ok(existsSync(path.join(dest, 'opt', 'd', OPAQUE_MARKER)))
    assert.not.ok(existsSync(path.join(dest, 'keep', OPAQUE_MARKER)))
    // The source keeps its overlay form, and files are shared, not copied.
    assert.ok(lstatSync(path.join(layer, 'etc', 'gone')).isCharacterDevice())
    assert.not.ok(existsSync(path.join(layer, 'etc', '.wh.gone')))
    assert.is(lstatSync(path.join(dest, 'etc', 'app.conf')).ino, lstatSync(path.join(layer, 'etc', 'app.conf')).ino)
  } finally {
    removeProject(root)
  }
})

Layers.run()

const Archives = suite('image layouts and archives')

Archives('a layout names every blob by the digest of its bytes, and the config lists the layers as diff_ids', async () => {
  const root = makeProject({'a/etc/one': '1', 'b/etc/two': '2'})
  try {
    const layout = await writeLayout({
      dir: path.join(root, 'layout'),
      ref: 'localhost:5055/team/app:1.0',
      config: imageConfig({'galley.suite': 'app'}, ['base', 'top']),
      layers: [() => packDirectory(path.join(root, 'a')), () => packDirectory(path.join(root, 'b'))],
    })
    for (const d of [layout.config, layout.manifest, ...layout.layers]) {
      const bytes = readFileSync(blobPath(layout.dir, d.digest))
      assert.is(sha(bytes), d.digest)
      assert.is(bytes.length, d.size)
    }
    const config = JSON.parse(readFileSync(blobPath(layout.dir, layout.config.digest), 'utf8'))
    assert.equal(config.rootfs.diff_ids, layout.layers.map((l) => l.digest))
    assert.is(config.config.Labels['galley.suite'], 'app')
    assert.is(config.history.length, 2)
    const manifest = JSON.parse(readFileSync(blobPath(layout.dir, layout.manifest.digest), 'utf8'))
    assert.equal(manifest.layers.map((l: {digest: string}) => l.digest), layout.layers.map((l) => l.digest))
    const index = JSON.parse(readFileSync(path.join(layout.dir, 'index.json'), 'utf8'))
    assert.is(index.manifests[0].digest, layout.manifest.digest)
    assert.is(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'localhost:5055/team/app:1.0')

    await archiveLayout(layout, 'oci-archive', path.join(root, 'oci.tar'))
    await archiveLayout(layout, 'docker-archive', path.join(root, 'docker.tar'))
    const oci = list(path.join(root, 'oci.tar'))
    const docker = list(path.join(root, 'docker.tar'))
    assert.ok(oci.includes('oci-layout') && oci.includes('index.json') && oci.includes('manifest.json'))
    assert.ok(docker.includes('manifest.json'))
    assert.not.ok(docker.includes('oci-layout') || docker.includes('index.json'))
    untar(path.join(root, 'docker.tar'), path.join(root, 'd'))
    const [entry] = JSON.parse(readFileSync(path.join(root, 'd', 'manifest.json'), 'utf8'))
    assert.equal(entry.RepoTags, ['localhost:5055/team/app:1.0'])
    assert.is(sha(readFileSync(path.join(root, 'd', entry.Config))), layout.config.digest)
    assert.equal(entry.Layers.map((l: string) => sha(readFileSync(path.join(root, 'd', l)))), layout.layers.map((l) => l.digest))
    assert.equal(spawnSync('tar', ['-tf', path.join(root, 'd', entry.Layers[1])], {encoding: 'utf8'}).stdout.trim().split('\n').sort(), ['./', './etc/', './etc/two'])
    // Nothing half-written is left beside the archives.
    assert.equal(readdirSync(root).filter((n) => n.endsWith('.tmp')), [])
  } finally {
    removeProject(root)
  }
})

Archives('an engine export becomes a layout with the same config bytes, so the image id is kept', async () => {
  const root = makeProject({'src/manifest.json': '', 'src/cfg.json': '{"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:x"]}}', 'src/l1/layer.tar': 'not really a tar'})
  try {
    writeFileSync(path.join(root, 'src', 'manifest.json'), JSON.stringify([{Config: 'cfg.json', RepoTags: ['x:1'], Layers: ['l1/layer.tar']}]))
    assert.is(spawnSync('tar', ['-cf', path.join(root, 'export.tar'), '-C', path.join(root, 'src'), '.']).status, 0)
    const layout = await layoutFromDockerArchive(Readable.from(readFileSync(path.join(root, 'export.tar'))), path.join(root, 'work'), 'x:1')
    assert.is(readFileSync(blobPath(layout.dir, layout.config.digest), 'utf8'), readFileSync(path.join(root, 'src', 'cfg.json'), 'utf8'))
    assert.is(layout.layers[0].digest, sha(Buffer.from('not really a tar')))
    assert.not.ok(existsSync(path.join(root, 'work', 'unpacked')))
  } finally {
    removeProject(root)
  }
})

Archives('an engine export that points outside itself is refused', async () => {
  const root = makeProject({'src/manifest.json': JSON.stringify([{Config: '../../etc/passwd', Layers: []}])})
  try {
    assert.is(spawnSync('tar', ['-cf', path.join(root, 'export.tar'), '-C', path.join(root, 'src'), '.']).status, 0)
    try {
      await layoutFromDockerArchive(Readable.from(readFileSync(path.join(root, 'export.tar'))), path.join(root, 'work'), 'x:1')
      assert.unreachable('should have thrown')
    } catch (error) {
      assert.match((error as Error).message, /outside itself/)
    }
  } finally {
    removeProject(root)
  }
})

Archives.run()

const Refs = suite('registry references')

Refs('a tag names its registry host, repository and tag', () => {
  assert.equal(parseRegistryRef('localhost:5055/team/app:1.0'), {host: 'localhost:5055', repository: 'team/app', tag: '1.0'})
  assert.equal(parseRegistryRef('registry.example.com/app'), {host: 'registry.example.com', repository: 'app', tag: 'latest'})
  assert.throws(() => parseRegistryRef('team/app:1'), /names no registry/)
  assert.throws(() => parseRegistryRef('app:1'), /names no registry/)
  assert.ok(isLoopback('localhost:5055') && isLoopback('127.0.0.1:80') && isLoopback('[::1]:5000'))
  assert.not.ok(isLoopback('registry.example.com:5000'))
})

Refs.run()
