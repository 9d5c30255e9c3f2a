/** `galley import` picks Test Kitchen or Molecule by what it is given. */
import {cpSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {DummyProject} from '../fakes/cli.js'
import {FIXTURES} from './import-project.js'

/** A copy of the motd role, without a galley.yml. */
function role(): DummyProject {
  const p = new DummyProject('')
  rmSync(path.join(p.root, 'galley.yml'))
  cpSync(path.join(FIXTURES, 'motd'), p.root, {recursive: true, verbatimSymlinks: true})
  return p
}

const Cli = suite('galley import: Molecule')

Cli('in a role folder it imports the scenarios, writes galley.yml beside molecule/ and says what it did', async () => {
  const p = role()
  try {
    const r = await p.run('import', '--bootstrap')
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, 'Wrote galley.yml from molecule/default/molecule.yml: 1 platform, 1 suite.')
    assert.match(r.stdout, 'Notes (2):')
    const written = readFileSync(path.join(p.root, 'galley.yml'), 'utf8')
    assert.match(written, /^# Imported from molecule\/default\/molecule.yml by galley import/)
    assert.equal((parse(written) as {suites: {name: string}[]}).suites.map((s) => s.name), ['default'])
    const again = await p.run('import')
    assert.is(again.code, 2)
    assert.match(again.stderr, 'galley.yml exists already')
  } finally {
    p.remove()
  }
})

Cli('one molecule.yml, printed with --stdout; --json gives the report as data', async () => {
  const p = role()
  try {
    const r = await p.run('import', 'molecule/default/molecule.yml', '--stdout', '--bootstrap')
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stdout, /^# Imported from molecule\/default\/molecule.yml/)
    assert.match(r.stderr, 'Imported molecule/default/molecule.yml: 1 platform, 1 suite.')
    const j = await p.run('import', 'molecule', '--json', '-o', 'ci.yml')
    assert.is(j.code, 0, j.stderr)
    const report = JSON.parse(j.stdout) as {output: string; files: string[]; notes: {key: string}[]}
    assert.is(report.output, 'ci.yml')
    assert.equal(report.files, ['molecule/default/molecule.yml'])
  } finally {
    p.remove()
  }
})

Cli('a folder with both a kitchen file and Molecule scenarios asks which; one with neither says what it looked for', async () => {
  const p = role()
  try {
    writeFileSync(path.join(p.root, 'kitchen.yml'), 'platforms: [{name: debian-12}]\nsuites: [{name: default}]\n')
    const both = await p.run('import')
    assert.is(both.code, 2)
    assert.match(both.stderr, 'has both a kitchen file and Molecule scenarios')
    assert.match(both.stderr, 'galley import kitchen.yml, or galley import molecule')
    assert.is((await p.run('import', 'kitchen.yml', '--stdout')).code, 0)
    rmSync(path.join(p.root, 'kitchen.yml'))
    rmSync(path.join(p.root, 'molecule'), {recursive: true})
    const none = await p.run('import')
    assert.is(none.code, 2)
    assert.match(none.stderr, 'no kitchen.yml, .kitchen.yml or molecule/<scenario>/molecule.yml in')
  } finally {
    p.remove()
  }
})

Cli.run()
