import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {ConfigError, ConfigErrors} from '../../src/errors.js'
import {importKitchen} from '../../src/kitchen/index.js'
import {maskErb} from '../../src/kitchen/read.js'
import {makeProject, removeProject} from '../fakes/project.js'

const Errors = suite('import: bad input')

Errors('invalid YAML is an error with file:line:col', () => {
  const root = makeProject({'kitchen.yml': 'driver:\n  name: docker\nplatforms:\n  - name: [debian\nsuites: []\n'})
  const cwd = process.cwd()
  process.chdir(root)
  try {
    importKitchen({file: path.join(root, 'kitchen.yml'), outDir: root})
    assert.unreachable('expected an error')
  } catch (error) {
    assert.instance(error, ConfigErrors)
    assert.match((error as ConfigErrors).errors[0].message, /^kitchen\.yml:\d+:\d+: invalid YAML/)
    assert.is((error as ConfigErrors).exitCode, 2)
  } finally {
    process.chdir(cwd)
    removeProject(root)
  }
})

Errors('a file that is not a mapping, or has no suites, is refused', () => {
  for (const [text, message] of [
    ['- a\n- b\n', 'must be a mapping'],
    ['platforms: [{name: debian-12}]\n', 'lists no suites'],
  ]) {
    const root = makeProject({'kitchen.yml': text})
    try {
      importKitchen({file: path.join(root, 'kitchen.yml'), outDir: root})
      assert.unreachable('expected an error')
    } catch (error) {
      assert.instance(error, ConfigError)
      assert.match((error as Error).message, message)
    } finally {
      removeProject(root)
    }
  }
})

const Erb = suite('import: ERB masking')

Erb('ERB tags become placeholders or blanks and every line stays where it was', () => {
  const text = "a: <%= ENV['A'] %>\n<% if x %>\nb: 1\n<%# note\nspanning %>\nc: 2\n"
  const {text: masked, tags} = maskErb(text, 'k.yml')
  assert.is(masked.split('\n').length, text.split('\n').length)
  assert.is(masked.split('\n')[0], 'a: __ERB0__')
  assert.is(masked.split('\n')[5], 'c: 2')
  assert.equal(tags.map((t) => [t.kind, t.code, t.at.line, t.at.col]), [['output', "ENV['A']", 1, 4], ['control', 'if x', 2, 1]])
})

for (const s of [Errors, Erb]) s.run()
