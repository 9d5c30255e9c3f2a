import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceSpec} from '../../src/config/types.js'
import type {InstanceResult} from '../../src/model.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import {writeJunit} from '../../src/reporters/junit.js'
import {readJunit} from '../fakes/junit.js'
import {dummyRun, endRun, instancesOf, type DummyRun} from '../fakes/lifecycle.js'
import {fakeSpec} from '../fakes/project.js'

type Ctx = DummyRun

const Idem = suite<Ctx>('idempotence pass')

Idem.before.each((ctx) => void Object.assign(ctx, dummyRun()))

Idem.after.each((ctx) => endRun(ctx))

/** A spec whose steps are `[command, check]` pairs (check undefined: none). */
function specWithChecks(steps: [string, string | undefined][], idempotence = false): InstanceSpec {
  const spec = fakeSpec('a-p', steps.map(([run]) => run), ['echo verified'])
  spec.provisioner = {...spec.provisioner, idempotence, steps: spec.provisioner.steps.map((s, i) => ({...s, ...(steps[i][1] ? {check: steps[i][1]} : {})}))}
  return spec
}

async function test(ctx: Ctx, spec: InstanceSpec, flag: boolean): Promise<InstanceResult> {
  const [inst] = instancesOf(ctx, [spec], {idempotence: flag})
  const [r] = await runInstances([inst], 'test', {concurrency: 1, signal: ctx.controller.signal, events: ctx.events, destroy: 'always'})
  return r
}

const checksRun = (ctx: Ctx) => ctx.driver.calls.filter((c) => /exec \S+ exit \d$/.test(c)).map((c) => c.split(' ').slice(-2).join(' '))

Idem('without the flag or the setting, checks never run', async (ctx) => {
  const r = await test(ctx, specWithChecks([['echo one', 'exit 1']]), false)
  assert.is(r.status, 'passed')
  assert.is(r.idempotence, undefined)
  assert.equal(checksRun(ctx), [])
})

Idem('with the flag each check runs after converge, uncached, and verify follows', async (ctx) => {
  const r = await test(ctx, specWithChecks([['echo one', 'exit 0'], ['echo two', undefined]]), true)
  assert.is(r.status, 'passed')
  assert.equal(r.idempotence?.map((c) => [c.kind, c.name, c.ok]), [['idempotence', 'echo one', true]])
  assert.equal(checksRun(ctx), ['exit 0'])
  assert.is(ctx.driver.snapshots.size, 2, 'one snapshot per step, none for the check')
  assert.is(r.tests.length, 1)
})

Idem('a check that says the step would change fails the instance in idempotence; verify does not run', async (ctx) => {
  const r = await test(ctx, specWithChecks([['echo one', 'exit 0'], ['echo two', 'exit 1']], true), false)
  assert.is(r.status, 'failed')
  assert.is(r.failedIn, 'idempotence')
  assert.is(r.message, 'not idempotent: step `echo two` would change something: its check exited with 1')
  assert.equal(r.tests, [])
  assert.equal(checksRun(ctx), ['exit 0', 'exit 1'], 'every check runs, not just up to the first failure')
})

Idem('JUnit: the pass is one testcase of its own, failing with what changed', async (ctx) => {
  const spec = specWithChecks([['echo one', 'exit 1']])
  const r = await test(ctx, spec, true)
  const file = path.join(ctx.root, 'junit.xml')
  await writeJunit(file, [r])
  const cases = readJunit(file).suites[0].cases
  const idem = cases.filter((c) => c.classname === 'a-p.idempotence')
  assert.is(idem.length, 1)
  assert.is(idem[0].name, 'idempotence')
  assert.is(idem[0].failure?.message, 'step `echo one` would change something: its check exited with 1')
  assert.is(idem[0].failure?.type, 'NotIdempotent')
  assert.equal(cases.filter((c) => c.classname === 'a-p.converge').map((c) => [c.name, Boolean(c.failure)]), [['echo one', false]])
})

Idem.run()
