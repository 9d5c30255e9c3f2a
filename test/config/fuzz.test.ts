/**
 * Fuzzing the config loader: hundreds of broken galley.yml files, made by mutating a valid one
 * (bytes flipped, lines cut, values swapped for other types, keys renamed, huge and deeply nested
 * documents, alias bombs). Every one must either load or fail with a ConfigError: exit code 2, a
 * message with a place (file:line:col) where the file has one, and never any other kind of error.
 */
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {ConfigError, ConfigErrors, GalleyError} from '../../src/errors.js'
import {bin} from '../fakes/cli.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {rng} from '../fakes/random.js'

const VALID = `driver: {name: lxc, memory: 128M, cpus: 1, pids: 100}
platforms:
  - name: busybox
    image: {bootstrap: busybox}
  - name: debian-12
    image: {bootstrap: debootstrap, release: bookworm, packages: [curl]}
suites:
  - name: web
    provisioner:
      env: {A: '1'}
      steps:
        - script: setup.sh
        - run: echo hi
    verifier:
      tests:
        - {name: ok, run: 'true', exit_status: 0}
    excludes: [debian-12]
`

const REPLACEMENTS = ['', '~', '[]', '{}', '-1', '0', '1e309', 'true', '"a b/c"', '../../etc/passwd', '*anchor', '&a [*a, *a]', '!!binary aGk=', '? complex', '"\\u0000"', '|\n  block', "'", '"', '{', '[', ':', '- - -', '\t']
const KEYS = ['driver', 'platforms', 'suites', 'name', 'image', 'bootstrap', 'provisioner', 'verifier', 'steps', 'tests', 'script', 'run', 'env', 'memory', 'excludes', 'includes', 'exit_status']

function mutate(text: string, random: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
  const lines = text.split('\n')
  const i = Math.floor(random() * lines.length)
  switch (Math.floor(random() * 8)) {
    case 0: {
      // A byte flipped.
      const at = Math.floor(random() * text.length)
      return text.slice(0, at) + String.fromCharCode(Math.floor(random() * 128)) + text.slice(at + 1)
    }
    case 1:
      lines.splice(i, 1)
      return lines.join('\n')
    case 2:
      // A value swapped for another type.
      lines[i] = lines[i].replace(/:\s.*$/, `: ${pick(REPLACEMENTS)}`)
      return lines.join('\n')
    case 3:
      // A key renamed: a typo, another known key, or a name with spaces or slashes.
      lines[i] = lines[i].replace(/(\w+):/, (_m, k: string) => `${pick([k.slice(1), k + 's', pick(KEYS), 'we ird/key', k.toUpperCase()])}:`)
      return lines.join('\n')
    case 4:
      // Indentation broken.
      lines[i] = (random() < 0.5 ? ' ' : '') + lines[i].trimStart()
      return lines.join('\n')
    case 5:
      lines.splice(i, 0, lines[Math.floor(random() * lines.length)])
      return lines.join('\n')
    case 6:
      // Names with spaces, slashes, dots or nothing.
      return text.replace(/name: \S+/, `name: ${pick(['"a b"', 'a/b', '..', '""', '-x', 'ü', '"a\\nb"'])}`)
    default:
      return text.slice(0, Math.floor(random() * text.length))
  }
}

function outcome(root: string): 'loaded' | 'refused' {
  try {
    loadConfig({cwd: root})
    return 'loaded'
  } catch (error) {
    if (!(error instanceof GalleyError)) throw new Error(`not a Galley error: ${(error as Error).stack}`)
    assert.is(error.exitCode, 2, `exit code of: ${error.message}`)
    assert.ok(error instanceof ConfigError || error instanceof ConfigErrors, `a config error: ${error.name}: ${error.message}`)
    assert.ok(error.message.trim().length > 0)
    const items = error instanceof ConfigErrors ? error.errors : [error as ConfigError]
    for (const e of items) {
      // Errors in the file's content say where; only whole-file problems (too big, unreadable) may not.
      if (!e.position) assert.match(e.message, /galley\.yml|bytes|cannot read/, `no place in: ${e.message}`)
    }
    return 'refused'
  }
}

const Fuzz = suite('config loader fuzzing')

Fuzz('600 mutations of a valid file each load or fail as config errors with a place', () => {
  const root = makeProject({'galley.yml': VALID, 'setup.sh': 'true\n'})
  const counts = {loaded: 0, refused: 0}
  try {
    assert.is(outcome(root), 'loaded')
    for (let seed = 1; seed <= Number(process.env.FUZZ_SEEDS ?? 600); seed++) {
      const random = rng(seed)
      let text = VALID
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) text = mutate(text, random)
      writeFileSync(path.join(root, 'galley.yml'), text)
      try {
        counts[outcome(root)]++
      } catch (error) {
        throw new Error(`seed ${seed}:\n${text}\n${(error as Error).message}`)
      }
    }
  } finally {
    removeProject(root)
  }
  // The mutations must mostly break the file, or this test tests little.
  assert.ok(counts.refused > 400, JSON.stringify(counts))
})

Fuzz('huge, deeply nested, alias-bomb and binary files are refused cleanly', () => {
  const root = makeProject({})
  try {
    const cases: Record<string, string | Buffer> = {
      huge: `platforms: [{name: a, image: {bootstrap: busybox}}]\nsuites: [{name: s}]\n# ${'x'.repeat(2 << 20)}\n`,
      nested: `${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      bomb: `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nplatforms: [*d]\nsuites: [*d]\n`,
      binary: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02, 0x89, 0x50, 0x4e, 0x47]),
      empty: '',
      scalar: 'just a string\n',
      list: '- a\n- b\n',
      cyclic: 'platforms: &p [{name: a, image: {bootstrap: busybox}, x: *p}]\nsuites: [{name: s}]\n',
    }
    for (const [name, content] of Object.entries(cases)) {
      writeFileSync(path.join(root, 'galley.yml'), content)
      try {
        assert.is(outcome(root), 'refused', name)
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`)
      }
    }
  } finally {
    removeProject(root)
  }
})

Fuzz('the CLI prints no stack trace for broken files and exits 2', () => {
  const root = makeProject({})
  try {
    for (const [i, text] of ['platforms: [', 'platforms: 3\nsuites: x\n', `suites: [{name: "a b"}]\nplatforms: [{name: p, image: {bootstrap: nope}}]\n`, 'provisoner: {}\n'].entries()) {
      writeFileSync(path.join(root, 'galley.yml'), text)
      const r = spawnSync(process.execPath, [bin, 'list'], {cwd: root, encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
      assert.is(r.status, 2, `case ${i}: ${r.stderr}`)
      assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+/, `case ${i} printed a stack trace: ${r.stderr}`)
      assert.match(r.stderr, /galley\.yml:\d+:\d+: /, `case ${i} names no place: ${r.stderr}`)
    }
  } finally {
    removeProject(root)
  }
})

Fuzz.run()
