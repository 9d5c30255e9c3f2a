import {rmSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {readJunit} from '../fakes/junit.js'
import {galley, galleyEnv, leftovers, PODMAN_SOCKET, repo} from './cli.js'

const Nginx = suite('suites/nginx on LXC')

// Builds the Debian 12 base image with debootstrap on first run (about a minute), then installs
// nginx from Debian's mirror through the NAT bridge.
Nginx('Debian with nginx from apt converges, serves its page on port 80 and passes every test', async () => {
  const root = path.join(repo, 'suites', 'nginx')
  rmSync(path.join(root, '.galley'), {recursive: true, force: true})
  try {
    const r = galley(root, 'test')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    const report = readJunit(path.join(root, '.galley', 'junit.xml'))
    assert.is(report.suites.length, 1)
    const s = report.suites[0]
    assert.equal([s.name, s.tests, s.failures, s.errors], ['nginx-debian-12', 6, 0, 0])
    assert.equal(s.cases.filter((c) => c.classname.endsWith('.verify')).map((c) => c.name), [
      'nginx configuration is valid',
      'nginx is running',
      'tests/serves.sh',
      'directory listing is off',
    ])
    assert.match(s.properties.image, /^debootstrap:bookworm$/)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
  }
})

Nginx('the same suite passes on Docker: the debootstrap image imported into the engine, apt through its bridge', async () => {
  const root = path.join(repo, 'suites', 'nginx')
  try {
    const r = galley(root, 'test', '--driver', 'docker')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
    assert.equal([s.name, s.tests, s.failures, s.properties.driver], ['nginx-debian-12', 6, 0, 'docker'])
  } finally {
    galley(root, 'destroy', '--driver', 'docker')
    assert.equal(await leftovers(root, 'docker'), [])
  }
})

Nginx('and on Podman through its Docker-compatible socket', async () => {
  const root = path.join(repo, 'suites', 'nginx')
  const onPodman = {DOCKER_HOST: `unix://${PODMAN_SOCKET}`}
  try {
    const r = galleyEnv(onPodman, 600_000, root, 'test', '--driver', 'docker')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
    assert.equal([s.name, s.tests, s.failures], ['nginx-debian-12', 6, 0])
  } finally {
    galleyEnv(onPodman, 120_000, root, 'destroy', '--driver', 'docker')
    assert.equal(await leftovers(root, 'podman'), [])
  }
})

Nginx.run()
