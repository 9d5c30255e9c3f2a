import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DummyDriver} from '../../drivers/dummy/driver.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import type {InstanceResult} from '../../src/model.js'
import {dummyRun, endRun, instancesOf, type DummyRun} from '../fakes/lifecycle.js'
import {fakeSpec} from '../fakes/project.js'

const Timeline = suite<DummyRun>('run timeline')

Timeline.before.each((ctx) => void Object.assign(ctx, dummyRun(new DummyDriver({sleepMs: 5}))))
Timeline.after.each((ctx) => endRun(ctx))

const actions = (r: InstanceResult) => r.timeline!.filter((s) => !s.task).map((s) => s.phase)

Timeline('records each action and each step and test of an instance, in order, on its lane', async (ctx) => {
  const [r] = await runInstances(instancesOf(ctx, [fakeSpec('a-p', ['echo one', 'echo two'], ['exit 0'])]), 'test', {concurrency: 2, signal: ctx.controller.signal, events: ctx.events})
  assert.is(r.lane, 0)
  assert.equal(actions(r), ['image', 'create', 'converge', 'verify', 'destroy'])
  const tasks = r.timeline!.filter((s) => s.task).map((s) => [s.phase, s.task!.kind, s.task!.name, s.task!.ok])
  assert.equal(tasks, [['converge', 'step', 'echo one', true], ['converge', 'step', 'echo two', true], ['verify', 'test', 'exit 0', true]])
  for (const s of r.timeline!) assert.ok(s.end >= s.start)
  const spans = r.timeline!.filter((s) => !s.task)
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i].start >= spans[i - 1].end - 1, 'actions follow each other')
})

Timeline('a second run marks the steps it restored from the cache; instances share lanes up to the concurrency', async (ctx) => {
  const specs = ['a-p', 'b-p', 'c-p'].map((n) => fakeSpec(n, ['echo one'], ['exit 0']))
  await runInstances(instancesOf(ctx, specs), 'test', {concurrency: 2, signal: ctx.controller.signal, events: ctx.events})
  const results = await runInstances(instancesOf(ctx, specs), 'test', {concurrency: 2, signal: ctx.controller.signal, events: ctx.events})
  assert.equal(results.map((r) => r.timeline!.find((s) => s.task?.kind === 'step')?.task?.cached), [true, true, true])
  assert.equal(new Set(results.map((r) => r.lane)), new Set([0, 1]))
})

Timeline('an instance that never started has no lane and no timeline', async (ctx) => {
  ctx.controller.abort()
  const [r] = await runInstances(instancesOf(ctx, [fakeSpec('a-p', ['echo one'], [])]), 'test', {concurrency: 1, signal: ctx.controller.signal, events: ctx.events})
  assert.is(r.status, 'interrupted')
  assert.is(r.lane, undefined)
  assert.is(r.timeline, undefined)
})

Timeline.run()
