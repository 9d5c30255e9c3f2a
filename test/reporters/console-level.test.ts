import {PassThrough} from 'node:stream'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {logLevel} from '../../src/cli/base.js'
import type {InstanceResult, TaskResult} from '../../src/model.js'
import {RunEmitter} from '../../src/lifecycle/events.js'
import {ConsoleReporter, type ConsoleOptions} from '../../src/reporters/console.js'
import {instanceResult, planOf, taskResult} from '../fakes/results.js'

const task = (name: string, ok: boolean): TaskResult => taskResult(name, {ok, durationMs: 10, outputTail: '', message: undefined})
const done = (instance: string, status: InstanceResult['status']): InstanceResult => instanceResult(instance, status, [], [], {startedAt: new Date(0), durationMs: 100})

/** Plays one passing and one failing instance through a console reporter; returns what it printed. */
function play(options: Partial<ConsoleOptions>): string {
  const events = new RunEmitter()
  const out = new PassThrough()
  let text = ''
  out.on('data', (b) => (text += b))
  const reporter = new ConsoleReporter(events, {out, live: false, color: false, ...options})
  for (const [instance, ok] of [['a-p', false], ['b-p', true]] as const) {
    events.emit('instance:phase', {instance, phase: 'verify'})
    events.emit('task:start', {instance, kind: 'test', name: 'check', index: 0, total: 1})
    events.emit('task:output', {instance, kind: 'test', name: 'check', stream: 'stdout', text: `output of ${instance}\n`})
    events.emit('task:end', {instance, result: task('check', ok)})
    if (!ok) events.emit('instance:note', {instance, message: 'kept for inspection'})
    events.emit('instance:done', {result: done(instance, ok ? 'passed' : 'failed')})
  }
  reporter.stop()
  return text
}

const Level = suite('console log levels and folding')

Level('error prints nothing before the summary; warn only failures and notes; info progress and output', () => {
  assert.is(play({level: 'error'}), '')
  assert.is(play({level: 'warn'}), '[a-p] FAILED test check (exit 1, 0.01s)\n[a-p] kept for inspection\n[a-p] failed in 0.1s\n')
  const info = play({level: 'info'})
  assert.match(info, /\[a-p\] verify\n\[a-p\] test 1\/1: check\n\[a-p\] \| output of a-p\n/)
  assert.match(info, /\[b-p\] ok test check/)
  assert.is(play({}), info, 'info is the default')
})

Level('on GitHub each instance is one group, printed whole when it is done', () => {
  const text = play({fold: 'github'})
  const groups = text.split('::endgroup::\n').filter(Boolean)
  assert.is(groups.length, 2)
  assert.ok(groups[0].startsWith('::group::a-p: failed in 0.1s\n'), groups[0])
  assert.not.match(groups[0], /b-p/)
  assert.ok(groups[1].startsWith('::group::b-p: passed in 0.1s\n'))
  const gitlab = play({fold: 'gitlab'})
  assert.match(gitlab, /\x1b\[0Ksection_start:\d+:galley_a_p\r\x1b\[0Ka-p: failed/)
  assert.match(gitlab, /section_start:\d+:galley_b_p\[collapsed=true\]/)
})

Level('the level comes from GALLEY_LOG_LEVEL, info otherwise', () => {
  assert.is(logLevel({GALLEY_LOG_LEVEL: 'WARN'}), 'warn')
  assert.is(logLevel({GALLEY_LOG_LEVEL: 'loud'}), 'info')
  assert.is(logLevel({}), 'info')
})

const Summary = suite('console summary')

/** What the summary prints for `results`. */
function summary(results: InstanceResult[]): string {
  const out = new PassThrough()
  let text = ''
  out.on('data', (b) => (text += b))
  new ConsoleReporter(new RunEmitter(), {out, live: false, color: false}).summary(results, {logs: '.galley/logs/'})
  return text
}

Summary('Steps counts passed steps out of those planned, as JUnit lists them: the steps after a failed one too', () => {
  const step = (name: string, over: Partial<TaskResult> = {}) => taskResult(name, {kind: 'step', ...over})
  const plan = planOf(['install', 'site.yml', 'after'], ['t1'])
  const failed = instanceResult('a-p', 'failed', [step('install', {cached: true}), step('site.yml', {ok: false})], [], {plan, failedIn: 'converge'})
  const passed = instanceResult('b-p', 'passed', [step('install', {cached: true}), step('site.yml'), step('after')], [taskResult('t1')], {plan})
  const text = summary([failed, passed])
  assert.match(text, /\na-p +failed +converge +1\/3 \(1 cached\) +0\/0 /)
  assert.match(text, /\nb-p +passed +3\/3 \(1 cached\) +1\/1 /)
})

Level.run()
Summary.run()
