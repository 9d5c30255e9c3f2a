import {cpSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DockerDriver} from '../../drivers/docker/driver.js'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers, repo} from './cli.js'

/** A copy of the shell kitchen fixture: a script with arguments, a data folder, hooks, ERB. */
function kitchenProject(): string {
  const root = makeProject({})
  cpSync(path.join(repo, 'test', 'fixtures', 'kitchen', 'shell'), root, {recursive: true})
  return root
}

const Cli = suite('galley import')

Cli('writes galley.yml beside kitchen.yml, prints what it could not import, refuses to overwrite without --force', () => {
  const root = kitchenProject()
  try {
    const r = galley(root, 'import')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, 'Wrote galley.yml from kitchen.yml: 2 platforms, 2 suites.')
    assert.match(r.stdout, 'Not imported (7):')
    assert.match(r.stdout, "kitchen.yml:12:3: provisioner.http_proxy — ERB <%= ENV['HTTP_PROXY'] %> is not evaluated")
    assert.match(r.stdout, 'kitchen.yml:24:3: transport.name — ')
    const written = readFileSync(path.join(root, 'galley.yml'), 'utf8')
    assert.match(written, /^# Imported from kitchen.yml by galley import/)
    assert.match(written, '#   kitchen.yml:24:3: transport.name')

    const again = galley(root, 'import')
    assert.is(again.code, 2)
    assert.match(again.stderr, 'Error: galley.yml exists already')
    assert.is(readFileSync(path.join(root, 'galley.yml'), 'utf8'), written)
    assert.is(galley(root, 'import', '--force', '--bootstrap').code, 0)
    assert.match(readFileSync(path.join(root, 'galley.yml'), 'utf8'), 'bootstrap: busybox')
  } finally {
    removeProject(root)
  }
})

Cli('--stdout prints galley.yml alone on stdout and the report on stderr; --json gives the report as data', () => {
  const root = kitchenProject()
  try {
    const r = galley(root, 'import', 'kitchen.yml', '--stdout')
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /^# Imported from kitchen.yml/)
    assert.not.match(r.stdout, /^Not imported/m)
    assert.match(r.stderr, 'Not imported (7):')
    assert.not.ok(existsSync(path.join(root, 'galley.yml')))

    const j = galley(root, 'import', '-o', 'ci/galley.yml', '--json')
    assert.is(j.code, 0, j.stderr)
    const report = JSON.parse(j.stdout) as {output: string; unmapped: {file: string; line: number; key: string}[]}
    assert.is(report.output, path.join('ci', 'galley.yml'))
    // Written one folder down, the script and data paths climb out of it, and the folder is all an instance sees: reported.
    assert.equal(report.unmapped.map((u) => `${u.line} ${u.key}`).slice(0, 4), ['9 provisioner.script', '10 provisioner.data_path', '11 provisioner.sudo', '12 provisioner.http_proxy'])
  } finally {
    removeProject(root)
  }
})

Cli('bad input exits 2 with file:line:col and no stack trace; a missing file is named', () => {
  const root = makeProject({'kitchen.yml': 'driver:\n  name: docker\nplatforms:\n  - name: "debian\nsuites: []\n'})
  try {
    const r = galley(root, 'import')
    assert.is(r.code, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /Error: kitchen\.yml:\d+:\d+: invalid YAML/)
    assert.not.match(r.stderr, /\n\s+at /)
    assert.not.ok(existsSync(path.join(root, 'galley.yml')))
    const missing = galley(root, 'import', 'nope.yml')
    assert.is(missing.code, 2)
    assert.match(missing.stderr, 'cannot read nope.yml')
  } finally {
    removeProject(root)
  }
})

Cli('the imported shell kitchen converges and verifies on LXC with --bootstrap, leaving nothing behind', async () => {
  const root = kitchenProject()
  try {
    assert.is(galley(root, 'import', '--bootstrap').code, 0)
    // The busybox instances: the Debian one would build a debootstrap image first, which proves nothing more here.
    const r = galley(root, 'test', '--driver', 'lxc', 'busybox')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, '2 of 2 instances passed')
    // Four steps (hooks, data_path, the script) and the shell verifier's test.
    const report = readJunit(path.join(root, '.galley', 'junit.xml'))
    assert.equal(report.suites.map((s) => [s.name, s.tests, s.failures]), [['default-busybox', 5, 0], ['quiet-busybox', 5, 0]])
    assert.equal(await leftovers(root), [])
  } finally {
    removeProject(root)
  }
})

Cli('on Docker, with kitchen.local.yml naming an image the engine has, the import runs as written', async () => {
  const engine = new DockerDriver()
  const base = await engine.ensureImage({bootstrap: 'busybox'})
  await engine.engine.api.getImage(base.id).tag({repo: 'galley-e2e/kitchen', tag: '1'})
  const root = kitchenProject()
  try {
    writeFileSync(path.join(root, 'kitchen.local.yml'), 'platforms:\n  - name: busybox\n    driver:\n      image: galley-e2e/kitchen:1\n')
    const i = galley(root, 'import')
    assert.is(i.code, 0, i.stdout + i.stderr)
    assert.match(i.stdout, 'from kitchen.yml and kitchen.local.yml: 1 platform, 2 suites')
    const r = galley(root, 'test')
    assert.is(r.code, 0, r.stdout + r.stderr)
    const report = readJunit(path.join(root, '.galley', 'junit.xml'))
    assert.equal(report.suites.map((s) => [s.name, s.failures, s.properties.driver, s.properties.image]), [
      ['default-busybox', 0, 'docker', 'galley-e2e/kitchen:1'],
      ['quiet-busybox', 0, 'docker', 'galley-e2e/kitchen:1'],
    ])
    assert.equal(await leftovers(root, 'docker'), [])
  } finally {
    removeProject(root)
    await engine.engine.api.getImage('galley-e2e/kitchen:1').remove()
  }
})

Cli.run()
