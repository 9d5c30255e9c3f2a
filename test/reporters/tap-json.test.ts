import path from 'node:path'
import {readFileSync} from 'node:fs'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {TaskResult} from '../../src/model.js'
import {formatJson} from '../../src/reporters/json.js'
import {writeJunit} from '../../src/reporters/junit.js'
import {formatTap} from '../../src/reporters/tap.js'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {instanceResult, planOf, taskResult} from '../fakes/results.js'

const task = (kind: 'step' | 'test', name: string, ok: boolean, extra: Partial<TaskResult> = {}): TaskResult =>
  taskResult(name, {kind, ok, durationMs: 250, outputTail: ok ? '' : 'expected mode 0644, got 0600\nmore detail', message: ok ? undefined : 'expected mode 0644, got 0600', ...extra})

const result = instanceResult

const RESULTS = [
  result('web-p', 'failed', [task('step', 'install', true)], [
    task('test', 'file /etc/motd', false),
    task('test', 'the home page # works', true, {group: 'tests/web.bats'}),
    task('test', 'needs network', true, {group: 'tests/web.bats', skipped: true, outputTail: 'skipped: offline'}),
  ], {failedIn: 'verify', message: '1 of 3 tests failed'}),
  result('db-p', 'error', [], [], {failedIn: 'create', message: 'container failed to start\nTry this: galley doctor', plan: planOf(['setup'], ['db answers'])}),
]

const Reports = suite('TAP and JSON reports')

Reports('TAP: a plan, one line per case with its instance and phase, YAML under failures, SKIP for skips', () => {
  assert.is(
    formatTap(RESULTS),
    `TAP version 13
1..7
ok 1 - web-p converge install
not ok 2 - web-p verify file /etc/motd
  ---
  message: expected mode 0644, got 0600
  severity: fail
  instance: web-p
  phase: verify
  output: |-
    expected mode 0644, got 0600
    more detail
  ...
ok 3 - web-p verify tests/web.bats: the home page \\# works
ok 4 - web-p verify tests/web.bats: needs network # SKIP skipped: offline
ok 5 - db-p converge setup # SKIP not run
ok 6 - db-p verify db answers # SKIP not run
not ok 7 - db-p create engine
  ---
  message: container failed to start
  severity: error
  instance: db-p
  phase: create
  output: |-
    container failed to start
    Try this: galley doctor
  ...
`,
  )
})

Reports('JSON: totals, and each instance with its steps and tests', () => {
  const report = JSON.parse(formatJson(RESULTS))
  assert.equal(report.summary, {instances: 2, passed: 0, failed: 1, errors: 1, tests: 3, testsFailed: 1, testsSkipped: 1})
  assert.equal(report.instances[0].tests[0], {name: 'file /etc/motd', status: 'failed', exitCode: 1, seconds: 0.25, message: 'expected mode 0644, got 0600', output: 'expected mode 0644, got 0600\nmore detail'})
  assert.equal(report.instances[0].tests[2].status, 'skipped')
  assert.is(report.instances[0].tests[1].group, 'tests/web.bats')
  assert.equal([report.instances[1].status, report.instances[1].failedIn, report.instances[1].startedAt], ['error', 'create', '2026-01-02T03:04:05.000Z'])
})

Reports('JUnit: cases from a bats file or an ingested report keep their origin in the class name; skips are skipped', async () => {
  const root = makeProject({})
  try {
    const file = path.join(root, 'junit.xml')
    await writeJunit(file, RESULTS.slice(0, 1))
    const s = readJunit(file).suites[0]
    assert.equal(s.cases.map((c) => [c.classname, c.name, Boolean(c.failure), c.skipped]), [
      ['web-p.converge', 'install', false, false],
      ['web-p.verify', 'file /etc/motd', true, false],
      ['web-p.verify.tests/web.bats', 'the home page # works', false, false],
      ['web-p.verify.tests/web.bats', 'needs network', false, true],
    ])
    assert.ok(readFileSync(file, 'utf8').includes('expected mode 0644, got 0600'))
  } finally {
    removeProject(root)
  }
})

Reports('a failed step or test says what ran and where it is written, in TAP, JSON and JUnit', async () => {
  const failed = task('test', 'motd exists', false, {command: 'test -f /etc/x', source: {file: 'galley.yml', line: 12}, outputTail: '', message: 'test `motd exists` exited with 1'})
  const results = [result('web-p', 'failed', [], [failed], {failedIn: 'verify', message: '1 of 1 tests failed'})]
  assert.match(formatTap(results), /  command: test -f \/etc\/x\n  at: galley.yml:12\n/)
  const json = JSON.parse(formatJson(results)).instances[0].tests[0]
  assert.equal([json.command, json.at], ['test -f /etc/x', 'galley.yml:12'])
  const root = makeProject({})
  try {
    const file = path.join(root, 'junit.xml')
    await writeJunit(file, results)
    const xml = readFileSync(file, 'utf8')
    assert.match(xml, /ran: test -f \/etc\/x\nwritten at: galley.yml:12/)
  } finally {
    removeProject(root)
  }
})

Reports.run()
