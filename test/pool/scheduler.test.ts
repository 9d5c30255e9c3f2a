import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {EngineError, InterruptedError} from '../../src/errors.js'
import {copyIsFaster, StepCosts} from '../../src/lifecycle/pool/costs.js'
import {Scheduler, type Placement} from '../../src/lifecycle/pool/scheduler.js'

const Places = suite('placing instances on the engines of a pool')

/** Whether a promise has settled yet (after the microtasks queued so far). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false
  void p.then(
    () => (done = true),
    () => (done = true),
  )
  await new Promise((r) => setImmediate(r))
  return done
}

Places('each goes to the least loaded engine; ties go to the engine listed first', async () => {
  const s = new Scheduler([{name: 'a'}, {name: 'b'}, {name: 'c'}], 4)
  const got: Placement[] = []
  for (let i = 0; i < 6; i++) got.push(await s.acquire())
  assert.equal(
    got.map((p) => p.engine),
    ['a', 'b', 'c', 'a', 'b', 'c'],
  )
  got[4].release()
  assert.is((await s.acquire()).engine, 'b', 'the engine with room left takes the next')
})

Places('load is running over capacity: a bigger engine takes more', async () => {
  const s = new Scheduler([{name: 'small', capacity: 1}, {name: 'big', capacity: 3}], 8)
  const got = await Promise.all([s.acquire(), s.acquire(), s.acquire(), s.acquire()])
  assert.equal(got.map((p) => p.engine).sort(), ['big', 'big', 'big', 'small'])
})

Places('a full pool makes the next wait, in order, until a place is given back', async () => {
  const s = new Scheduler([{name: 'a', capacity: 1}, {name: 'b', capacity: 1}], 8)
  const first = await s.acquire()
  await s.acquire()
  const third = s.acquire()
  const fourth = s.acquire()
  assert.not.ok(await settled(third), 'waits while both are full')
  first.release()
  first.release()
  assert.is((await third).engine, 'a')
  assert.not.ok(await settled(fourth), 'a second release of the same place gives nothing')
  ;(await third).release()
  assert.is((await fourth).engine, 'a')
})

Places('an instance whose container is on an engine waits for that engine, not another', async () => {
  const s = new Scheduler([{name: 'a', capacity: 1}, {name: 'b', capacity: 1}], 8)
  const onB = await s.acquire({only: 'b'})
  const again = s.acquire({only: 'b'})
  const other = await s.acquire()
  assert.is(other.engine, 'a', 'a waiter for b does not hold up the others')
  assert.not.ok(await settled(again))
  onB.release()
  assert.is((await again).engine, 'b')
})

Places('an engine found down takes no more; with none left, the waiting are told which are down', async () => {
  const s = new Scheduler([{name: 'a', capacity: 1}, {name: 'b', capacity: 1}], 8)
  await s.acquire()
  await s.acquire()
  const waiting = s.acquire()
  const forB = s.acquire({only: 'b'})
  s.markDown('b', new EngineError('b stopped answering'))
  assert.equal(s.up, ['a'])
  try {
    await forB
    assert.unreachable('a place on a down engine was given')
  } catch (error) {
    assert.match((error as Error).message, 'engine b, which holds the instance')
  }
  assert.not.ok(await settled(waiting), 'still waits for a')
  s.markDown('a', new EngineError('a stopped answering'))
  try {
    await waiting
    assert.unreachable('a place was given with no engine up')
  } catch (error) {
    assert.instance(error, EngineError)
    assert.match((error as Error).message, 'no engine of the pool is up (a, b)')
    assert.match(String(((error as Error).cause as Error).message), 'a stopped answering')
  }
})

Places('an abort ends the wait', async () => {
  const s = new Scheduler([{name: 'a', capacity: 1}], 8)
  await s.acquire()
  const controller = new AbortController()
  const waiting = s.acquire({signal: controller.signal})
  controller.abort()
  try {
    await waiting
    assert.unreachable()
  } catch (error) {
    assert.instance(error, InterruptedError)
  }
})

const Costs = suite('copy or build a step snapshot')

Costs('copies when the copy is expected to take less than the steps took; unknown steps are assumed dearer', () => {
  assert.ok(copyIsFaster(20_000_000, 5_000, 20_000), '20 MB at 20 MB/s (1 s) beats 5 s of steps')
  assert.not.ok(copyIsFaster(200_000_000, 5_000, 20_000), '200 MB (10 s) does not')
  assert.ok(copyIsFaster(1, undefined, 20_000), 'steps never timed here: copy')
  assert.not.ok(copyIsFaster(undefined, 5_000, 20_000), 'no size: the image is not there to copy')
})

Costs('building again runs the steps down to the first snapshot the engine has', async () => {
  const costs = new StepCosts()
  costs.recordStep('k1', 1000, undefined)
  costs.recordStep('k2', 2000, 'k1')
  costs.recordStep('k3', 4000, 'k2')
  assert.is(await costs.rebuildMs('k3', async () => false), 7000, 'from the base image')
  assert.is(await costs.rebuildMs('k3', async (k) => k === 'k1'), 6000, 'from k1, which the engine has')
  assert.is(await costs.rebuildMs('k4', async () => false), undefined, 'never timed')
})

Costs('a measured copy speed is averaged with the last one, per pair of engines', () => {
  const costs = new StepCosts()
  assert.is(costs.rate('a', 'b'), 20_000)
  costs.recordCopy('a', 'b', 1_000_000, 10)
  assert.is(costs.rate('a', 'b'), 100_000)
  costs.recordCopy('a', 'b', 1_000_000, 100)
  assert.is(costs.rate('a', 'b'), 55_000)
  assert.is(costs.rate('b', 'a'), 20_000, 'each direction on its own')
})

Places.run()
Costs.run()
