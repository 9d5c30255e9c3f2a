import {readFileSync} from 'node:fs'
import path from 'node:path'
import {PassThrough} from 'node:stream'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceResult, TaskResult} from '../../src/model.js'
import {batsSource, detectCi, githubAnnotations, reportToCi, stepSummary} from '../../src/reporters/ci.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {instanceResult, taskResult} from '../fakes/results.js'

const task = (over: Partial<TaskResult>): TaskResult => taskResult(over.name ?? 't', {ok: true, durationMs: 5, ...over})
const result = (over: Partial<InstanceResult>): InstanceResult => instanceResult('web-bb', 'passed', [], [], {suite: 'web', platform: 'bb', startedAt: new Date(0), ...over})

const Ci = suite('CI output')

Ci('CI services are told apart by their variables', () => {
  assert.is(detectCi({GITHUB_ACTIONS: 'true', CI: 'true'}), 'github')
  assert.is(detectCi({GITLAB_CI: 'true', CI: 'true'}), 'gitlab')
  assert.is(detectCi({CI: 'true'}), 'other')
  assert.is(detectCi({CI: 'false'}), undefined)
  assert.is(detectCi({}), undefined)
})

Ci('an annotation per failing step or test, at its file and line, escaped as workflow commands want', () => {
  const results = [
    result({
      status: 'failed',
      failedIn: 'verify',
      steps: [task({kind: 'step', name: 'setup', ok: true})],
      tests: [
        task({name: 'port 80, open', ok: false, exitCode: 1, message: 'expected listening\ngot closed 100%', source: {file: 'galley.yml', line: 14}}),
        task({name: 'site works', ok: false, exitCode: 1, group: 'tests/site.bats', outputTail: "# (in test file tests/site.bats, line 7)\n#   `false' failed"}),
        task({name: 'no source', ok: false, exitCode: 2}),
      ],
    }),
    result({instance: 'db-bb', status: 'error', failedIn: 'create', message: 'the engine is gone'}),
  ]
  const root = '/srv/proj'
  assert.equal(githubAnnotations(results, root, '/srv'), [
    '::error file=proj/galley.yml,line=14,title=web-bb%3A test port 80%2C open::test port 80, open failed on web-bb: expected listening%0Agot closed 100%25',
    '::error file=proj/tests/site.bats,line=7,title=web-bb%3A test site works::test site works failed on web-bb: exit 1',
    '::error title=web-bb%3A test no source::test no source failed on web-bb: exit 2',
    '::error title=db-bb%3A create::db-bb error in create: the engine is gone',
  ])
  assert.equal(batsSource('not ok 1 x\n# (in test file /tmp/galley/t.bats, line 3)'), {file: '/tmp/galley/t.bats', line: 3})
})

Ci('on GitHub the job summary gets a table, and nothing is written elsewhere', () => {
  const root = makeProject({'summary.md': '# earlier step\n'})
  try {
    const results = [result({}), result({instance: 'a|b', status: 'failed', failedIn: 'verify', tests: [task({name: 'x', ok: false, exitCode: 1, message: 'bad'})]})]
    const out = new PassThrough()
    let printed = ''
    out.on('data', (b) => (printed += b))
    reportToCi(results, root, out, {GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path.join(root, 'summary.md')})
    const md = readFileSync(path.join(root, 'summary.md'), 'utf8')
    assert.ok(md.startsWith('# earlier step\n### Galley: 1 of 2 instances passed'), md)
    assert.match(md, /\| a\\\|b \| ❌ failed \| verify \| 0\/0 \| 0\/1 \| 1\.5s \|/)
    assert.match(md, /- \*\*a\\\|b\*\* test `x`: bad/)
    assert.match(printed, /^::error /)
    let quiet = ''
    const other = new PassThrough()
    other.on('data', (b) => (quiet += b))
    reportToCi(results, root, other, {CI: 'true'})
    assert.is(quiet, '')
    assert.is(stepSummary([]).split('\n')[0], '### Galley: 0 of 0 instances passed')
  } finally {
    removeProject(root)
  }
})

Ci.run()
