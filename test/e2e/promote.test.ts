import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DockerDriver} from '../../drivers/docker/driver.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers} from './cli.js'

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

/** A file's content in a container made from `image`, which is removed again. */
async function readInImage(docker: DockerDriver, image: string, file: string): Promise<string> {
  const h = await docker.create({instance: 'loaded', name: `e2e-loaded-${randomBytes(3).toString('hex')}`, snapshot: {id: image, driver: 'docker'}, limits: {}, labels: {'galley.e2e': 'promote'}})
  let out = ''
  try {
    await docker.exec(h, ['cat', file], {onStdout: (b) => (out += b)})
  } finally {
    await docker.destroy(h)
  }
  return out
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

Promote('on LXC --output writes an archive that Docker loads and runs', async () => {
  const tag = `e2e/lxc-${randomBytes(4).toString('hex')}:1`
  const root = makeProject({'galley.yml': KITCHEN})
  const docker = new DockerDriver()
  try {
    assert.is(galley(root, 'test', '--destroy', 'never', '--driver', 'lxc').code, 0)
    const p = galley(root, 'promote', 'app-bb', '--tag', tag, '--output', 'app.tar')
    assert.is(p.code, 0, p.stderr)
    await loadArchive(docker, path.join(root, 'app.tar'))
    assert.is((await docker.engine.api.getImage(tag).inspect()).Config.Labels['galley.suite'], 'app')
    assert.is(await readInImage(docker, tag, '/etc/app.conf'), 'shipped\n')
  } finally {
    galley(root, 'destroy')
    await docker.engine.api.getImage(tag).remove().catch(() => {})
    const images = JSON.parse(galley(root, 'image', 'ls', '--json').stdout) as {id: string; spec: {promoted?: string}}[]
    for (const i of images.filter((x) => x.spec.promoted === tag)) galley(root, 'image', 'rm', i.id)
    assert.equal(await leftovers(root), [])
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
    assert.is(await readInImage(docker, tag, '/etc/app.conf'), 'shipped\n')
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

Promote.run()
