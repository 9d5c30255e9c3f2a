import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceResult, TaskResult} from '../../src/model.js'
import {writeJunit} from '../../src/reporters/junit.js'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {instanceResult, planOf, taskResult} from '../fakes/results.js'

const task = (kind: 'step' | 'test', name: string, exitCode: number, outputTail = ''): TaskResult => taskResult(name, {kind, exitCode, outputTail, durationMs: 1234, message: exitCode === 0 ? undefined : `${kind} \`${name}\` exited with ${exitCode}`})

const result = (instance: string, status: InstanceResult['status'], steps: TaskResult[], tests: TaskResult[], extra: Partial<InstanceResult> = {}): InstanceResult =>
  instanceResult(instance, status, steps, tests, {durationMs: 2500, ...extra})

const Junit = suite('writeJunit')

Junit('one testsuite per instance, one testcase per step and test, with failures, skips and properties', async () => {
  const root = makeProject({})
  try {
    const file = path.join(root, 'out', 'junit.xml')
    await writeJunit(file, [
      result('ok-p', 'passed', [task('step', 'a', 0)], [task('test', 't1', 0)]),
      result('bad-p', 'failed', [task('step', 'a', 0), task('step', 'b', 2, 'line 1\nboom')], [], {failedIn: 'converge', message: 'step `b` exited with 2', plan: planOf(['a', 'b', 'c'], ['t1', 't2'])}),
      result('eng-p', 'error', [], [], {failedIn: 'create', message: 'container failed to start\nTry this: galley doctor', plan: planOf(['a'], ['t1'])}),
    ])
    const report = readJunit(file)
    assert.equal(report.suites.map((s) => [s.name, s.tests, s.failures, s.errors, s.skipped]), [
      ['ok-p', 2, 0, 0, 0],
      ['bad-p', 5, 1, 0, 3],
      ['eng-p', 3, 0, 1, 2],
    ])
    assert.equal(report.suites[0].properties, {platform: 'p', suite: 's', driver: 'lxc', image: 'busybox'})
    const failed = report.suites[1].cases[1]
    assert.is(failed.classname, 'bad-p.converge')
    assert.is(failed.failure?.message, 'step `b` exited with 2')
    assert.match(failed.failure!.text, /boom/)
    assert.is(failed.time, 1.234)
    assert.equal(report.suites[1].cases.filter((c) => c.skipped).map((c) => c.name), ['c', 't1', 't2'])
    assert.is(report.suites[2].cases.find((c) => c.error)?.error?.message, 'container failed to start')
  } finally {
    removeProject(root)
  }
})

Junit.run()
