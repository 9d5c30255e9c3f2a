/**
 * Fuzzing the Molecule import: the fixtures' molecule.yml files mutated hundreds of times (lines
 * cut or repeated, values of other types, keys renamed, placeholders and anchors dropped in).
 * Every one must import, into YAML that is the config it reports and that Galley's loader accepts
 * (short of files the scenario names and lacks), or fail as a config error with a place.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {loadConfig} from '../../src/config/load.js'
import {ConfigError, ConfigErrors, GalleyError} from '../../src/errors.js'
import {importMolecule} from '../../src/molecule/index.js'
import {mutate, rng} from '../fakes/random.js'
import {inCopy} from './import-project.js'

const WORDS = {
  values: ['', '~', '[]', '{}', '-1', '0', 'true', '"a b/c"', '../../etc/passwd', '${HOME}', '${UNSET:-x}', '$$', '$', '&a [*a]', '!!binary aGk=', "'", '{', '[', ':', '- - -', '/sbin/init', 'debian:12', 'ubuntu:22.04', '[idempotence, verify]', '{a: {b: 1}}'],
  keys: ['driver', 'platforms', 'provisioner', 'verifier', 'scenario', 'dependency', 'name', 'image', 'command', 'privileged', 'volumes', 'env', 'inventory', 'host_vars', 'group_vars', 'playbooks', 'converge', 'prepare', 'side_effect', 'verify', 'test_sequence', 'options', 'enabled', 'lint', 'ansible', 'groups'],
  lines: ['x: &anchor {a: 1}', 'y: *anchor', 'platforms: ${PLATFORMS}', '<<: {lint: true}', '---'],
}

/** Messages a galley.yml may give in a copy whose scenario names missing files. */
const ALLOWED = /not found|outside the project|is a folder|no instances|holds a control character/

const Fuzz = suite('molecule import fuzzing')

for (const [fixture, scenario] of [['motd', 'default'], ['nginx', 'default'], ['nginx', 'tls'], ['users', 'default']] as const) {
  Fuzz(`${fixture}/${scenario}: 150 mutations each import or fail as config errors with a place`, () => {
    inCopy(fixture, {}, (root) => {
      const file = path.join(root, 'molecule', scenario, 'molecule.yml')
      const valid = readFileSync(file, 'utf8')
      const counts = {imported: 0, refused: 0}
      for (let seed = 1; seed <= 150; seed++) {
        const random = rng(seed * 7919 + fixture.length + scenario.length)
        let text = valid
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) text = mutate(text, random, WORDS)
        writeFileSync(file, text)
        try {
          const result = importMolecule({target: root, bootstrap: seed % 2 === 0})
          counts.imported++
          assert.equal(parse(result.text), result.config)
          for (const item of [...result.unmapped, ...result.notes]) assert.ok(item.line >= 1 && item.key.length > 0, JSON.stringify(item))
          writeFileSync(path.join(root, 'galley.yml'), result.text)
          try {
            loadConfig({cwd: root})
          } catch (error) {
            const messages = error instanceof ConfigErrors ? error.errors.map((e) => e.message) : [(error as Error).message]
            assert.equal(messages.filter((m) => !ALLOWED.test(m)), [], `galley.yml from the import did not load: ${messages.join('; ')}`)
          }
        } catch (error) {
          if (error instanceof assert.Assertion) throw new Error(`seed ${seed}:\n${text}\n${error.message}`)
          if (!(error instanceof GalleyError)) throw new Error(`seed ${seed}: not a Galley error:\n${text}\n${(error as Error).stack}`)
          counts.refused++
          assert.is(error.exitCode, 2)
          const items = error instanceof ConfigErrors ? error.errors : [error as ConfigError]
          for (const e of items) assert.ok(e.position, `seed ${seed}: no place in ${e.message}`)
        }
      }
      assert.ok(counts.imported > 50, JSON.stringify(counts))
    })
  })
}

const Hostile = suite('molecule import: hostile files')

const refused = (text: string, expected: RegExp) =>
  inCopy(undefined, {'molecule/default/molecule.yml': text}, (root) => {
    try {
      importMolecule({target: root})
      assert.unreachable('expected a refusal')
    } catch (error) {
      assert.instance(error, GalleyError)
      assert.is((error as GalleyError).exitCode, 2)
      const items = error instanceof ConfigErrors ? error.errors : [error as ConfigError]
      for (const e of items) assert.ok(e.position, `no place in ${e.message}`)
      assert.match((error as Error).message, expected)
    }
  })

Hostile('alias bombs and cyclic aliases are refused with a place', () => {
  refused('a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nplatforms: [*e]\n', /too deeply/)
  refused('platforms: &p [{name: a, image: debian:12, x: *p}]\n', /too deeply/)
})

Hostile('a huge file, a file that is not a mapping, and broken YAML are config errors with their place', () => {
  refused(`platforms: [{name: a, image: "${'x'.repeat(1 << 21)}"}]\n`, /bytes; a molecule\.yml this large/)
  refused('- just\n- a list\n', /must be a mapping/)
  refused('platforms: [{name: a\n', /invalid YAML/)
})

Hostile('wrong types import, each reported where it is written', () => {
  inCopy(undefined, {'molecule/default/molecule.yml': 'platforms:\n  - name: a\n    image: debian:12\n    groups: {x: 1}\n    env: [A]\nprovisioner: []\nverifier:\n  name: [ansible]\nscenario:\n  test_sequence: converge\ndependency: 3\n', 'molecule/default/converge.yml': '- hosts: all\n'}, (root) => {
    const result = importMolecule({target: root, bootstrap: true})
    assert.equal(result.unmapped.map((u) => `${u.line}:${u.col} ${u.key}`), ['4:5 platforms[a].groups', '5:5 platforms[a].env', '6:1 provisioner', '8:3 verifier.name', '11:1 dependency'])
    assert.equal((result.config.suites as {provisioner: unknown}[])[0].provisioner, {playbook: 'molecule/default/converge.yml'})
  })
})

Hostile('a scenario with no platform Galley can make is a config error with its place', () => {
  refused('driver: {name: default}\nplatforms: [{name: vm1}]\n', /has a platform Galley can make/)
})

Fuzz.run()
Hostile.run()
