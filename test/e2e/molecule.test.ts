/**
 * A role with a Molecule scenario, imported with --bootstrap and run with galley test on LXC
 * unchanged: its verify.yml asserts are one JUnit case each, and a failing assert names its
 * message, its task and the file and line it is written at.
 */
import {cpSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {readJunit, type ParsedCase} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers, repo} from './cli.js'

const VERIFY = 'molecule/default/verify.yml'

const verifyCases = (root: string): ParsedCase[] => readJunit(path.join(root, '.galley', 'junit.xml')).suites[0].cases.filter((c) => c.classname.startsWith('default-instance.verify'))

const Molecule = suite<{root: string}>('galley import of a Molecule role, then galley test on LXC')

Molecule.before((ctx) => {
  ctx.root = makeProject({})
  cpSync(path.join(repo, 'test', 'fixtures', 'molecule', 'motd'), ctx.root, {recursive: true, verbatimSymlinks: true})
})

Molecule.after(async (ctx) => {
  galley(ctx.root, 'destroy', '--driver', 'lxc')
  assert.equal(await leftovers(ctx.root, 'lxc'), [])
  removeProject(ctx.root)
})

Molecule('imported with --bootstrap, the scenario passes: converge, idempotence, and each verify task a case', (ctx) => {
  const imported = galley(ctx.root, 'import', '--bootstrap')
  assert.is(imported.code, 0, imported.stdout + imported.stderr)
  assert.match(imported.stdout, 'Wrote galley.yml from molecule/default/molecule.yml: 1 platform, 1 suite.')
  const r = galley(ctx.root, 'test', '--driver', 'lxc')
  assert.is(r.code, 0, r.stdout.slice(-6000) + r.stderr)
  const suiteOf = readJunit(path.join(ctx.root, '.galley', 'junit.xml')).suites[0]
  assert.equal(suiteOf.cases.filter((c) => c.classname.endsWith('.converge')).map((c) => c.name), ['install ansible-core', 'molecule/default/converge.yml'])
  assert.is(suiteOf.cases.find((c) => c.classname.endsWith('.idempotence'))?.failure, undefined)
  const cases = verifyCases(ctx.root)
  assert.equal(
    cases.map((c) => [c.classname, c.name, c.failure ? 'failed' : c.skipped ? 'skipped' : 'passed']),
    [
      ['Read the message of the day', 'passed'],
      ['The message is the one from the inventory', 'passed'],
      ['Stat the banner', 'passed'],
      ['The banner is installed', 'passed'],
      ['The handler ran', 'passed'],
      ['Only on Red Hat', 'skipped'],
    ].map(([name, status]) => [`default-instance.verify.${VERIFY}`, name, status]),
  )
  assert.match(r.stdout, /default-instance\s+passed\s+2\/2(?: \(\d cached\))?\s+6\/6 \(1 skipped\)/)
})

Molecule('a failing assert fails the instance, naming its message, its task and where it is written', (ctx) => {
  const file = path.join(ctx.root, VERIFY)
  const text = readFileSync(file, 'utf8')
  writeFileSync(file, text.replace("'Tested by Molecule' in", "'Tested by Galley' in").replace("does not say 'Tested by Molecule'", "does not say 'Tested by Galley'"))
  const r = galley(ctx.root, 'test', '--driver', 'lxc')
  assert.is(r.code, 1, r.stdout.slice(-6000) + r.stderr)
  const line = text.split('\n').findIndex((l) => l.includes('- name: The message is the one from the inventory')) + 1
  const failed = verifyCases(ctx.root).filter((c) => c.failure)
  assert.equal(failed.map((c) => c.name), ['The message is the one from the inventory'])
  assert.is(failed[0].failure!.message, "/etc/motd does not say 'Tested by Galley' (assertion: 'Tested by Galley' in (motd.content | b64decode))")
  assert.match(failed[0].failure!.text, `written at: ${VERIFY}:${line}`)
  assert.match(r.stdout, `The message is the one from the inventory: /etc/motd does not say 'Tested by Galley'`)
  assert.match(r.stdout, /default-instance\s+failed\s+verify\s+2\/2/)
})

Molecule.run()
