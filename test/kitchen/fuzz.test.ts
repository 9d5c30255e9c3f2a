/**
 * Fuzzing galley import: the kitchen fixtures mutated hundreds of times (lines cut or repeated,
 * values swapped for other types, keys renamed, ERB dropped in). Every one must either import,
 * into YAML that is the config it reports and that Galley's loader accepts (short of files the
 * kitchen file names and the project lacks), or fail with a config error with a place.
 */
import {cpSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {loadConfig} from '../../src/config/load.js'
import {ConfigError, ConfigErrors, GalleyError} from '../../src/errors.js'
import {importKitchen} from '../../src/kitchen/index.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {mutate, rng} from '../fakes/random.js'
import {FIXTURES} from './import-project.js'

const REPLACEMENTS = ['', '~', '[]', '{}', '-1', '0', 'true', '"a b/c"', '../../etc/passwd', "<%= ENV['X'] %>", "<%= ENV.fetch('X', 'y') %>", '&a [*a]', '!!binary aGk=', "'", '{', '[', ':', '- - -', '/[/']
const KEYS = ['driver', 'platforms', 'suites', 'name', 'image', 'provisioner', 'verifier', 'transport', 'lifecycle', 'run_list', 'attributes', 'includes', 'excludes', 'script', 'command', 'playbook', 'remote', 'driver_config', 'inspec_tests']

const WORDS = {values: REPLACEMENTS, keys: KEYS, lines: ['<% if true %>', '<% end %>', '<%# note %>']}

const Fuzz = suite('import fuzzing')

for (const fixture of ['docker-chef', 'dokken', 'ansible', 'shell']) {
  Fuzz(`${fixture}: 150 mutations each import or fail as config errors with a place`, () => {
    const root = makeProject({})
    cpSync(path.join(FIXTURES, fixture), root, {recursive: true})
    const file = path.join(root, 'kitchen.yml')
    const valid = readFileSync(file, 'utf8')
    const counts = {imported: 0, refused: 0}
    const cwd = process.cwd()
    process.chdir(root)
    try {
      for (let seed = 1; seed <= 150; seed++) {
        const random = rng(seed * 7919 + fixture.length)
        let text = valid
        for (let n = 1 + Math.floor(random() * 3); n > 0; n--) text = mutate(text, random, WORDS)
        writeFileSync(file, text)
        try {
          const result = importKitchen({file, outDir: root})
          counts.imported++
          assert.equal(parse(result.text), result.config)
          for (const item of [...result.unmapped, ...result.notes]) assert.ok(item.line >= 1 && item.key.length > 0, JSON.stringify(item))
          if (fixture !== 'shell') continue
          // The shell kitchen uses nothing the loader of this branch does not know: its output must load.
          writeFileSync(path.join(root, 'galley.yml'), result.text)
          try {
            loadConfig({cwd: root})
          } catch (error) {
            const messages = error instanceof ConfigErrors ? error.errors.map((e) => e.message) : [(error as Error).message]
            const allowed = messages.filter((m) => !/not found|outside the project|is a folder|no instances|holds a control character/.test(m))
            assert.equal(allowed, [], 'galley.yml from the import did not load')
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
    } finally {
      process.chdir(cwd)
      removeProject(root)
    }
    // Most mutations still make a kitchen file, so the import's own paths are what is exercised.
    assert.ok(counts.imported > 50, JSON.stringify(counts))
  })
}

Fuzz('alias bombs and cyclic aliases are refused cleanly', () => {
  for (const text of [
    'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nplatforms: [*e]\nsuites: [*e]\n',
    'platforms: &p [{name: a, x: *p}]\nsuites: [{name: s}]\n',
  ]) {
    const root = makeProject({'kitchen.yml': text})
    try {
      importKitchen({file: path.join(root, 'kitchen.yml'), outDir: root})
      assert.unreachable('expected a refusal')
    } catch (error) {
      assert.instance(error, ConfigError)
      assert.match((error as Error).message, 'too deeply')
    } finally {
      removeProject(root)
    }
  }
})

Fuzz.run()
