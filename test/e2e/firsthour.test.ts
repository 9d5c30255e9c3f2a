import {existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers} from './cli.js'

const First = suite('the first hour: init, diagnose, doctor')

First('init scaffolds a project that passes galley test, asking nothing off a terminal, and keeps what exists', async () => {
  const root = makeProject({'.gitignore': 'node_modules/'})
  try {
    const r = galley(root, 'init', '--driver', 'lxc')
    assert.is(r.code, 0, r.stderr)
    for (const f of ['galley.yml', 'recipes/setup.sh', 'tests/greeting.sh']) assert.ok(existsSync(path.join(root, f)), f)
    assert.ok(statSync(path.join(root, 'recipes/setup.sh')).mode & 0o100, 'scripts are executable')
    assert.is(readFileSync(path.join(root, '.gitignore'), 'utf8'), 'node_modules/\n.galley/\ngalley.local.yml\n')
    const t = galley(root, 'test')
    assert.is(t.code, 0, t.stdout + t.stderr)
    assert.match(t.stdout, /1 of 1 instances passed/)
    const again = galley(root, 'init')
    assert.is(again.code, 2)
    assert.match(again.stderr, /galley\.yml exists already/)
    assert.match(again.stderr, /--force/)
    writeFileSync(path.join(root, 'tests/greeting.sh'), 'mine\n')
    assert.is(galley(root, 'init', '--force').code, 0)
    assert.not.equal(readFileSync(path.join(root, 'tests/greeting.sh'), 'utf8'), 'mine\n')
    assert.is(readFileSync(path.join(root, '.gitignore'), 'utf8'), 'node_modules/\n.galley/\ngalley.local.yml\n', 'said once')
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

First('diagnose prints the matrix with excluded pairs and each instance merged', () => {
  const root = makeProject({
    'galley.yml': `driver: {name: lxc, memory: 64M}
platforms:
  - {name: bb, image: {bootstrap: busybox}}
  - {name: deb, image: {bootstrap: debootstrap}, driver: {memory: 256M}}
suites:
  - name: web
    provisioner: {env: {A: '1'}, steps: [{run: 'echo $A'}]}
  - name: tiny
    excludes: [deb]
`,
    'galley.local.yml': 'suites:\n  - name: web\n    provisioner: {env: {A: local}}\n',
  })
  try {
    const r = galley(root, 'diagnose')
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /galley\.local\.yml/)
    assert.match(r.stdout, /web\s+web-bb\s+web-deb/)
    assert.match(r.stdout, /tiny\s+tiny-bb\s+-/)
    const doc = JSON.parse(galley(root, 'diagnose', '--json').stdout) as {instances: {name: string; driver: {memory: number}; provisioner: {env: Record<string, string>}}[]}
    assert.equal(doc.instances.map((i) => i.name), ['web-bb', 'web-deb', 'tiny-bb'])
    assert.is(doc.instances[1].driver.memory, 256 * 1024 ** 2)
    assert.is(doc.instances[0].driver.memory, 64 * 1024 ** 2)
    assert.is(doc.instances[0].provisioner.env.A, 'local')
  } finally {
    removeProject(root)
  }
})

First('doctor checks the store and forwarding besides the engines', () => {
  const r = galley(process.cwd(), 'doctor')
  assert.match(r.stdout, /ok {3}store: .* writable, [\d.]+ GiB free/)
  assert.match(r.stdout, /ip forwarding: /)
})

First.run()
