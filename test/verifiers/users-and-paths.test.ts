import {symlinkSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import {expandGlob} from '../../src/verifiers/glob.js'
import {shellTests} from '../../src/verifiers/shell.js'
import {asUser} from '../../src/verifiers/user.js'
import type {BatsEntry} from '../../src/verifiers/bats.js'
import type {JunitCommandSpec} from '../../src/verifiers/junit.js'
import {configErrorsOf} from '../fakes/config.js'
import {dummyRun, endRun, instancesOf} from '../fakes/lifecycle.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'

const BATS = '@test "x" { true; }\n'

function verifierOf(yml: string, files: Record<string, string> = {}) {
  const root = makeProject({'galley.yml': `platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n${yml}`, ...files})
  try {
    return loadConfig({cwd: root}).instances[0].verifier
  } finally {
    removeProject(root)
  }
}

const Paths = suite('bats: files, folders and globs')

Paths('a folder stands for its .bats files, a glob for the files it matches, each a file of its own', () => {
  const files = {'tests/a.bats': BATS, 'tests/b.bats': BATS, 'tests/notes.txt': 'x', 'tests/deep/c.bats': BATS, 'spec/web/d.bats': BATS}
  const v = verifierOf('    verifier:\n      bats: [tests, "spec/**/*.bats", tests/deep/c.bats]\n', files)
  assert.equal((v.sections.bats as BatsEntry[]).map((e) => e.file), ['tests/a.bats', 'tests/b.bats', 'spec/web/d.bats', 'tests/deep/c.bats'])
})

Paths('a glob that matches nothing is reported where it is written; an empty folder fails when it runs', () => {
  const messages = configErrorsOf({'galley.yml': 'platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    verifier:\n      bats: [tests/*.bats]\n'})
  assert.equal(messages.length, 1)
  assert.match(messages[0], /bats script `tests\/\*\.bats` not found/)
  const v = verifierOf('    verifier:\n      bats: [empty]\n', {'empty/readme': 'x'})
  assert.equal(v.sections.bats, [{file: 'empty', empty: true}])
})

Paths('globs do not loop through a link back up, and stay inside the project', () => {
  const root = makeProject({'t/a.bats': BATS})
  try {
    symlinkSync('..', path.join(root, 't', 'up'))
    assert.equal(expandGlob(root, '**/*.bats'), ['t/a.bats'])
    assert.equal(expandGlob(root, '../*/a.bats'), [])
  } finally {
    removeProject(root)
  }
})

Paths.run()

const Users = suite('user: tests and verifier entries as a user of the instance')

Users('the verifier\'s user is every test\'s and entry\'s unless they name their own', () => {
  const v = verifierOf(
    `    verifier:
      user: deploy
      tests:
        - {run: id -un}
        - {run: whoami, user: root}
      bats: [{path: t.bats, user: app}, t.bats]
      junit: [{run: pytest, report: out.xml}]
`,
    {'t.bats': BATS},
  )
  assert.equal(v.tests.map((t) => t.user), ['deploy', 'root'])
  assert.equal(v.sections.bats, [{file: 't.bats', user: 'app'}, {file: 't.bats', user: 'deploy'}])
  assert.is((v.sections.junit as JunitCommandSpec[])[0].user, 'deploy')
})

Users('a bad user name is a config error with its place', () => {
  const messages = configErrorsOf({'galley.yml': 'platforms: [{name: p, image: {bootstrap: busybox}}]\nsuites:\n  - name: s\n    verifier:\n      tests: [{run: "true", user: "a b"}]\n'})
  assert.match(messages[0], /^galley\.yml:5:35: .*tests\[0\]\.user must be a user name of the instance/)
})

Users('a test with a user runs through runuser or su; a script is made executable by root first', () => {
  const spec = fakeSpec('a-p', [], [])
  spec.verifier.tests = [
    {name: 'as deploy', run: 'id -un', exitStatus: 0, env: {}, user: 'deploy'},
    {name: 'script', script: 'tests/x.sh', exitStatus: 0, env: {}, user: 'deploy'},
  ]
  const [inline, script] = shellTests(spec.verifier, spec.provisioner)
  assert.equal(inline.argv, asUser('deploy', ['/bin/sh', '-c', 'id -un']))
  assert.equal(inline.argv.slice(-2), ['deploy', "'/bin/sh' '-c' 'id -un'"])
  assert.match(inline.argv[2], /runuser -u "\$1"/)
  assert.match(inline.argv[2], /su -s \/bin\/sh "\$1" -c "\$2"/)
  assert.equal(script.argv.slice(0, 5), ['/bin/sh', '-c', 'chmod +x "$1" 2>/dev/null; shift; exec "$@"', 'galley', '/tmp/galley/tests/x.sh'])
  assert.equal(script.argv.slice(5), asUser('deploy', ['/tmp/galley/tests/x.sh']))
})

Users.run()

const Rules = suite('verify: no false green, and tests numbered across verifier kinds')

Rules('an instance with no step and no test fails, saying so', async () => {
  const run = dummyRun()
  try {
    const [r] = await runInstances(instancesOf(run, [fakeSpec('empty-p', [], [])]), 'test', {concurrency: 1, signal: run.controller.signal, events: run.events})
    assert.is(r.status, 'failed')
    assert.is(r.failedIn, 'verify')
    assert.match(r.message ?? '', 'has no converge step and no test')
    assert.equal(r.tests.map((t) => [t.name, t.ok]), [['nothing to check', false]])
  } finally {
    endRun(run)
  }
})

Rules('steps alone, or tests alone, still pass', async () => {
  const run = dummyRun()
  try {
    const results = await runInstances(instancesOf(run, [fakeSpec('steps-p', ['echo hi'], []), fakeSpec('tests-p', [], ['echo ok'])]), 'test', {concurrency: 1, signal: run.controller.signal, events: run.events})
    assert.equal(results.map((r) => r.status), ['passed', 'passed'])
  } finally {
    endRun(run)
  }
})

Rules('shell tests and other verifiers are counted as one list in progress lines', async () => {
  const run = dummyRun()
  try {
    const spec = fakeSpec('a-p', ['echo hi'], ['echo one', 'echo two'])
    spec.verifier.sections.junit = [{name: 'pytest', run: 'pytest', report: 'out.xml', env: {}}]
    const starts: string[] = []
    run.events.on('task:start', ({kind, name, index, total}) => kind === 'test' && starts.push(`${index + 1}/${total} ${name}`))
    await runInstances(instancesOf(run, [spec]), 'test', {concurrency: 1, signal: run.controller.signal, events: run.events})
    assert.equal(starts, ['1/3 echo one', '2/3 echo two', '3/3 pytest'])
  } finally {
    endRun(run)
  }
})

Rules.run()
