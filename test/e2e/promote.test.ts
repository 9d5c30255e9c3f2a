import {randomBytes} from 'node:crypto'
import {spawnSync} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DockerDriver} from '../../drivers/docker/driver.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers, PODMAN_SOCKET} from './cli.js'

/** The loopback registry setup.sh starts. */
const REGISTRY = process.env.GALLEY_TEST_REGISTRY ?? 'localhost:5055'

const KITCHEN = `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: app
    provisioner: {steps: [{run: 'echo shipped > /etc/app.conf'}]}
    verifier: {tests: [{name: configured, run: 'grep -q shipped /etc/app.conf'}]}
`

/** docker load; its response must be read to the end, or its connection keeps the test process alive. */
async function loadArchive(docker: DockerDriver, file: string): Promise<void> {
  const loading = await docker.engine.api.loadImage(file)
  await new Promise((resolve, reject) => docker.engine.api.modem.followProgress(loading, (err: Error | null) => (err ? reject(err) : resolve(undefined))))
}

const Promote = suite('galley promote')

Promote('refuses an instance that has not passed verify since its last converge', async () => {
  const root = makeProject({'galley.yml': KITCHEN})
  try {
    assert.is(galley(root, 'promote', 'app-bb', '--tag', 'e2e/app:1').code, 2)
    assert.is(galley(root, 'converge').code, 0)
    const r = galley(root, 'promote', 'app-bb', '--tag', 'e2e/app:1')
    assert.is(r.code, 2)
    assert.match(r.stderr, /has not passed verify since its last converge \(it is converged\)/)
  } finally {
    galley(root, 'destroy')
    removeProject(root)
  }
})

/** Step 1 alone, then both: the second run makes the instance from step 1's layer, so step 2's deletions are whiteouts. */
/** Unique to the run, so no step layer of an earlier run is reused. */
const STEP1 = `echo ${randomBytes(4).toString('hex')} > /etc/run; echo shipped > /etc/app.conf; mkdir -p /opt/d; echo old > /opt/d/old; echo bye > /etc/bye`
const STEP2 = 'rm /etc/bye; rm -rf /opt/d; mkdir /opt/d; echo new > /opt/d/new'
const layered = (steps: string[]) => `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: app
    provisioner: {steps: [${steps.map((s) => JSON.stringify({run: s})).join(', ')}]}
    verifier: {tests: [{name: configured, run: 'grep -q shipped /etc/app.conf'}]}
`
const SEES = 'cat /etc/app.conf; ls /opt/d; test -e /etc/bye && echo bye is back'

/** The output of `sh -c script` in a container made from `image`, which is removed again. */
async function runInImage(docker: DockerDriver, image: string, script: string): Promise<string> {
  const h = await docker.create({instance: 'loaded', name: `e2e-loaded-${randomBytes(3).toString('hex')}`, snapshot: {id: image, driver: 'docker'}, limits: {}, labels: {'galley.e2e': 'promote'}})
  let out = ''
  try {
    await docker.exec(h, ['sh', '-c', script], {onStdout: (b) => (out += b)})
  } finally {
    await docker.destroy(h)
  }
  return out
}

async function removeLxcImage(root: string, tag: string): Promise<void> {
  const images = JSON.parse(galley(root, 'image', 'ls', '--json').stdout) as {id: string; spec: {promoted?: string}}[]
  for (const i of images.filter((x) => x.spec.promoted === tag)) galley(root, 'image', 'rm', i.id)
}

Promote('on LXC the archive keeps the layers, with deletions as whiteouts, and Docker and Podman load and run it', async () => {
  const tag = `e2e/lxc-${randomBytes(4).toString('hex')}:1`
  const root = makeProject({'galley.yml': layered([STEP1])})
  const docker = new DockerDriver()
  const podman = new DockerDriver({socket: PODMAN_SOCKET})
  try {
    assert.is(galley(root, 'converge', '--driver', 'lxc').code, 0)
    galley(root, 'destroy')
    writeFileSync(path.join(root, 'galley.yml'), layered([STEP1, STEP2]))
    assert.is(galley(root, 'test', '--destroy', 'never', '--driver', 'lxc').code, 0)
    for (const format of ['docker-archive', 'oci-archive']) {
      const p = galley(root, 'promote', 'app-bb', '--tag', tag, '--output', `${format}.tar`, '--format', format)
      assert.is(p.code, 0, p.stderr)
    }
    // Base, step 1, and the instance's own layer holding step 2.
    const listing = spawnSync('tar', ['-xOf', path.join(root, 'oci-archive.tar'), 'manifest.json'], {encoding: 'utf8'}).stdout
    const layers = (JSON.parse(listing) as {Layers: string[]}[])[0].Layers
    assert.is(layers.length, 3)
    const top = spawnSync('sh', ['-c', `tar -xOf oci-archive.tar ${layers[2]} | tar -t`], {cwd: root, encoding: 'utf8'}).stdout
    assert.match(top, /etc\/\.wh\.bye/)
    assert.match(top, /opt\/d\/\.wh\.\.wh\.\.opq/)
    await loadArchive(docker, path.join(root, 'docker-archive.tar'))
    assert.is((await docker.engine.api.getImage(tag).inspect()).Config.Labels['galley.suite'], 'app')
    assert.is(await runInImage(docker, tag, SEES), 'shipped\nnew\n')
    await loadArchive(podman, path.join(root, 'oci-archive.tar'))
    assert.is(await runInImage(podman, `localhost/${tag}`, SEES), 'shipped\nnew\n')
  } finally {
    galley(root, 'destroy')
    await docker.engine.api.getImage(tag).remove().catch(() => {})
    await podman.engine.api.getImage(`localhost/${tag}`).remove().catch(() => {})
    await removeLxcImage(root, tag)
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Promote('a promoted image is pushed to a registry and pulled back: from LXC and from Docker', async () => {
  const root = makeProject({'galley.yml': KITCHEN})
  const docker = new DockerDriver()
  const tags: string[] = []
  try {
    for (const driver of ['lxc', 'docker']) {
      const tag = `${REGISTRY}/e2e/${driver}-${randomBytes(4).toString('hex')}:1`
      tags.push(tag)
      assert.is(galley(root, 'test', '--destroy', 'never', '--driver', driver).code, 0)
      const p = galley(root, 'promote', 'app-bb', '--tag', tag, '--push')
      assert.is(p.code, 0, p.stderr)
      assert.match(p.stdout, new RegExp(`pushed ${tag}`))
      galley(root, 'destroy')
      await docker.engine.api.getImage(tag).remove().catch(() => {})
      assert.not.ok(await docker.engine.hasImage(tag))
      await docker.engine.pullImage(tag)
      assert.is(await runInImage(docker, tag, 'cat /etc/app.conf'), 'shipped\n')
    }
  } finally {
    galley(root, 'destroy')
    for (const tag of tags) {
      await docker.engine.api.getImage(tag).remove().catch(() => {})
      await removeLxcImage(root, tag)
    }
    assert.equal(await leftovers(root), [])
    assert.equal(await leftovers(root, 'docker'), [])
    removeProject(root)
  }
})

Promote('--push refuses a tag that names no registry before promoting anything', async () => {
  const root = makeProject({'galley.yml': KITCHEN})
  try {
    const r = galley(root, 'promote', 'app-bb', '--tag', 'e2e/app:1', '--push')
    assert.is(r.code, 2)
    assert.match(r.stderr, /names no registry to push to/)
    assert.match(r.stderr, /localhost:5000\/myapp:1\.0/)
  } finally {
    removeProject(root)
  }
})

Promote('on LXC the promoted instance becomes a base image that another platform runs', async () => {
  const tag = `e2e/app-${randomBytes(4).toString('hex')}:1`
  const root = makeProject({'galley.yml': KITCHEN})
  const user = makeProject({'galley.yml': `platforms: [{name: shipped, image: ${tag}}]\nsuites:\n  - {name: use, verifier: {tests: [{name: has the config, run: 'grep -q shipped /etc/app.conf'}]}}\n`})
  try {
    assert.is(galley(root, 'test', '--destroy', 'never').code, 0)
    const p = galley(root, 'promote', 'app-bb', '--tag', tag)
    assert.is(p.code, 0, p.stderr)
    // Promoting again under the same name replaces the image: the old one is not left behind.
    assert.is(galley(root, 'promote', 'app-bb', '--tag', tag).code, 0)
    const named = (JSON.parse(galley(root, 'image', 'ls', '--json').stdout) as {spec: {promoted?: string}}[]).filter((i) => i.spec.promoted === tag)
    assert.is(named.length, 1)
    const r = galley(user, 'test', '--driver', 'lxc')
    assert.is(r.code, 0, r.stdout + r.stderr)
    const images = JSON.parse(galley(root, 'image', 'ls', '--json').stdout) as {id: string; spec: {promoted?: string}; labels?: Record<string, string>}[]
    const made = images.find((i) => i.spec.promoted === tag)
    assert.equal([made?.labels?.['galley.suite'], made?.labels?.['galley.tests']], ['app', '1/1'])
    galley(user, 'destroy')
    assert.is(galley(root, 'image', 'rm', made!.id).code, 0)
    const gone = galley(user, 'test', '--driver', 'lxc')
    assert.is(gone.code, 2)
    assert.match(gone.stderr, /not in Galley's LXC store/)
  } finally {
    galley(root, 'destroy')
    galley(user, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
    removeProject(user)
  }
})

Promote('on Docker the image carries what was verified, and --output writes an archive the engine loads', async () => {
  const tag = `e2e/app-${randomBytes(4).toString('hex')}:1`
  const root = makeProject({'galley.yml': KITCHEN})
  const docker = new DockerDriver()
  try {
    assert.is(galley(root, 'test', '--destroy', 'never', '--driver', 'docker').code, 0)
    const p = galley(root, 'promote', 'app-bb', '--tag', tag, '--output', 'app.tar')
    assert.is(p.code, 0, p.stderr)
    assert.ok(existsSync(path.join(root, 'app.tar')))
    const labels = (await docker.engine.api.getImage(tag).inspect()).Config.Labels
    assert.equal([labels['galley.suite'], labels['galley.platform'], labels['galley.tests']], ['app', 'bb', '1/1'])
    assert.match(labels['galley.junit.sha256'], /^[0-9a-f]{64}$/)
    await docker.engine.api.getImage(tag).remove()
    await loadArchive(docker, path.join(root, 'app.tar'))
    assert.is(await runInImage(docker, tag, 'cat /etc/app.conf'), 'shipped\n')
  } finally {
    galley(root, 'destroy')
    await docker.engine.api.getImage(tag).remove().catch(() => {})
    assert.equal(await leftovers(root, 'docker'), [])
    removeProject(root)
  }
})

Promote('test --promote promotes each passing instance before destroying it, and no failing one', async () => {
  const prefix = `e2e-${randomBytes(4).toString('hex')}`
  const root = makeProject({
    'galley.yml': `${KITCHEN}  - name: broken\n    verifier: {tests: [{name: fails, run: 'false'}]}\n`,
  })
  const docker = new DockerDriver()
  try {
    const r = galley(root, 'test', '--driver', 'docker', '--promote', prefix, '--destroy', 'always')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, new RegExp(`promoted to ${prefix}/app-bb:latest on docker`))
    const labels = (await docker.engine.api.getImage(`${prefix}/app-bb:latest`).inspect()).Config.Labels
    assert.equal([labels['galley.instance'], labels['galley.tests']], ['app-bb', '1/1'])
    assert.not.ok(await docker.engine.hasImage(`${prefix}/broken-bb:latest`))
    assert.equal(await leftovers(root, 'docker'), [])
  } finally {
    await docker.engine.api.getImage(`${prefix}/app-bb:latest`).remove().catch(() => {})
    galley(root, 'destroy')
    removeProject(root)
  }
})

Promote('test --promote --push pushes each promoted image', async () => {
  const repo = `e2e-${randomBytes(4).toString('hex')}`
  const root = makeProject({'galley.yml': KITCHEN})
  const docker = new DockerDriver()
  try {
    const r = galley(root, 'test', '--driver', 'docker', '--promote', `${REGISTRY}/${repo}`, '--push')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, new RegExp(`pushed ${REGISTRY}/${repo}/app-bb:latest`))
    const res = await fetch(`http://${REGISTRY}/v2/${repo}/app-bb/manifests/latest`, {method: 'HEAD', headers: {accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json'}})
    assert.is(res.status, 200)
    assert.equal(await leftovers(root, 'docker'), [])
  } finally {
    await docker.engine.api.getImage(`${REGISTRY}/${repo}/app-bb:latest`).remove().catch(() => {})
    galley(root, 'destroy')
    removeProject(root)
  }
})

Promote.run()
