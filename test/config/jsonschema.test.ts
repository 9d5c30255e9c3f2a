import {Ajv} from 'ajv'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {galleySchema} from '../../src/config/jsonschema.js'
import {loadConfig} from '../../src/config/load.js'
import {repo} from '../fakes/cli.js'
import {makeProject, removeProject} from '../fakes/project.js'

const ajv = new Ajv({allErrors: true, strict: false})
const validate = ajv.compile(galleySchema(false))
const validateLocal = ajv.compile(galleySchema(true))

const Json = suite("galley.yml's JSON Schema")

Json('every example suite validates', () => {
  const dir = path.join(repo, 'suites')
  const files = readdirSync(dir).map((d) => path.join(dir, d, 'galley.yml'))
  assert.ok(files.length >= 2)
  for (const file of files) {
    const ok = validate(parse(readFileSync(file, 'utf8')))
    assert.ok(ok, `${file}: ${ajv.errorsText(validate.errors)}`)
  }
})

Json('what the loader refuses for its shape, the schema refuses too', () => {
  const base = {platforms: [{name: 'bb', image: {bootstrap: 'busybox'}}], suites: [{name: 's'}]}
  assert.ok(validate(base), ajv.errorsText(validate.errors))
  assert.ok(validate({...base, suites: [{name: 's', provisioner: {env: {TOKEN: {value: 'x', secret: true}, PASS: '${PASS}'}}}]}), ajv.errorsText(validate.errors))
  assert.not.ok(validate({...base, suites: [{name: 's', provisioner: {env: {TOKEN: {secret: true}}}}]}), 'a secret needs its value')
  assert.ok(validate({...base, suites: [{name: 's', verifier: {assert: [{file: '/etc/motd', mode: '0644', contains: ['a', '/b/']}, {port: 80, retry: 3, timeout: '30s'}]}}]}), ajv.errorsText(validate.errors))
  const bad: [string, unknown][] = [
    ['unknown key', {...base, provisoner: {}}],
    ['unknown bootstrap', {...base, platforms: [{name: 'bb', image: {bootstrap: 'alpine'}}]}],
    ['missing suites', {platforms: base.platforms}],
    ['script and run both', {...base, suites: [{name: 's', provisioner: {steps: [{script: 'a.sh', run: 'b'}]}}]}],
    ['neither script nor run', {...base, suites: [{name: 's', provisioner: {steps: [{name: 'x'}]}}]}],
    ['a name with a space', {...base, suites: [{name: 'a b'}]}],
    ['a size that is no size', {...base, driver: {memory: 'lots'}}],
    ['an assertion with a misspelt key', {...base, suites: [{name: 's', verifier: {assert: [{file: '/etc/motd', mod: '0644'}]}}]}],
    ['an assertion that checks nothing known', {...base, suites: [{name: 's', verifier: {assert: [{servce: 'nginx'}]}}]}],
    ['a negative exit status', {...base, suites: [{name: 's', verifier: {tests: [{run: 'x', exit_status: -1}]}}]}],
  ]
  for (const [what, doc] of bad) assert.not.ok(validate(doc), what)
  // galley.local.yml needs nothing, but its keys are still checked.
  assert.ok(validateLocal({suites: [{name: 's', provisioner: {env: {A: '1'}}}]}), ajv.errorsText(validateLocal.errors))
  assert.not.ok(validateLocal({suits: []}))
})

Json('a file the loader accepts is one the schema accepts', () => {
  const root = makeProject({'setup.sh': 'true\n'})
  try {
    const docs = [
      'platforms: [{name: bb, image: {bootstrap: busybox}}, {name: d, image: "debian:12"}]\nsuites: [{name: s, provisioner: {steps: [{script: setup.sh}]}}]\n',
      'driver: {name: docker, memory: 1.5GiB, cpus: 0.5, pids: 10}\nplatforms: [{name: d, image: {bootstrap: debootstrap, release: bookworm, packages: [curl]}}]\nsuites: [{name: s, includes: [d], verifier: {tests: [{run: "false", exit_status: 1}]}}]\n',
    ]
    for (const text of docs) {
      writeFileSync(path.join(root, 'galley.yml'), text)
      loadConfig({cwd: root})
      assert.ok(validate(parse(text)), ajv.errorsText(validate.errors))
    }
  } finally {
    removeProject(root)
  }
})

Json.run()
