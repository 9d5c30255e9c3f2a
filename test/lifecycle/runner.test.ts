import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {destroyInstances} from '../../src/lifecycle/destroy.js'
import type {InstanceResult} from '../../src/model.js'
import {Instance} from '../../src/lifecycle/instance.js'
import {exitCodeFor, runInstances, type RunOptions} from '../../src/lifecycle/runner.js'
import {StateStore} from '../../src/lifecycle/state.js'
import type {InstanceSpec} from '../../src/config/types.js'
import {DummyDriver} from '../../drivers/dummy/driver.js'
import {dummyRun, endRun, instancesOf, type DummyRun} from '../fakes/lifecycle.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'

type Ctx = DummyRun

const Runner = suite<Ctx>('runInstances')

Runner.before.each((ctx) => void Object.assign(ctx, dummyRun()))

Runner.after.each((ctx) => endRun(ctx))

const instances = (ctx: Ctx, specs: InstanceSpec[]): Instance[] => instancesOf(ctx, specs)

function run(ctx: Ctx, specs: InstanceSpec[], action: 'test' | 'converge' | 'verify', options: Partial<RunOptions> = {}): Promise<InstanceResult[]> {
  return runInstances(instances(ctx, specs), action, {concurrency: 4, signal: ctx.controller.signal, events: ctx.events, ...options})
}

Runner('a passing test converges, verifies and leaves nothing behind', async (ctx) => {
  const [r] = await run(ctx, [fakeSpec('a-p', ['echo one', 'echo two'], ['exit 0'])], 'test')
  assert.is(r.status, 'passed')
  assert.equal(r.steps.map((s) => [s.name, s.ok, s.outputTail]), [['echo one', true, 'one'], ['echo two', true, 'two']])
  assert.is(r.tests.length, 1)
  assert.is(ctx.driver.containers.size, 0)
  assert.is(ctx.store.readAll().length, 0)
  assert.is(exitCodeFor([r]), 0)
})

Runner('a failing step stops the converge, skips later steps and keeps the container for inspection', async (ctx) => {
  const notes: string[] = []
  ctx.events.on('instance:note', ({message}) => notes.push(message))
  const [r] = await run(ctx, [fakeSpec('a-p', ['exit 0', 'exit 3', 'echo never'], ['exit 0'])], 'test')
  assert.is(r.status, 'failed')
  assert.is(r.failedIn, 'converge')
  assert.equal(r.steps.map((s) => s.exitCode), [0, 3])
  assert.is(r.message, 'step `exit 3` exited with 3')
  assert.ok(!ctx.driver.calls.some((c) => c.endsWith('echo never')))
  assert.is(ctx.driver.containers.size, 1)
  assert.is(ctx.store.read('a-p')?.state, 'created')
  assert.is(ctx.store.read('a-p')?.lastError, 'step `exit 3` exited with 3')
  assert.match(notes[0], /galley login a-p/)
  assert.is(exitCodeFor([r]), 1)
})

Runner('every test runs even after one fails; --destroy always removes the failed instance', async (ctx) => {
  const [r] = await run(ctx, [fakeSpec('a-p', ['exit 0'], ['exit 1', 'exit 0', 'exit 2'])], 'test', {destroy: 'always'})
  assert.is(r.status, 'failed')
  assert.is(r.failedIn, 'verify')
  assert.equal(r.tests.map((t) => t.ok), [false, true, false])
  assert.match(r.message!, /^2 of 3 tests failed/)
  assert.is(ctx.driver.containers.size, 0)
})

Runner('--destroy never keeps passing instances, and a later test recreates them', async (ctx) => {
  await run(ctx, [fakeSpec('a-p', ['exit 0'])], 'test', {destroy: 'never'})
  assert.is(ctx.driver.containers.size, 1)
  assert.is(ctx.store.read('a-p')?.state, 'verified')
  await run(ctx, [fakeSpec('a-p', ['exit 0'])], 'test', {destroy: 'passing'})
  assert.is(ctx.driver.containers.size, 0)
  assert.is(ctx.driver.calls.filter((c) => c.startsWith('create')).length, 2)
})

Runner('no more than --concurrency instances run at once', async (ctx) => {
  const specs = Array.from({length: 8}, (_, i) => fakeSpec(`s${i}-p`, ['sleep 20']))
  const results = await run(ctx, specs, 'converge', {concurrency: 3})
  assert.ok(results.every((r) => r.status === 'passed'))
  assert.is(ctx.driver.maxRunning, 3)
})

Runner('--fail-fast starts no instance after the first failure', async (ctx) => {
  const specs = [fakeSpec('bad-p', ['exit 1']), fakeSpec('b-p', ['exit 0']), fakeSpec('c-p', ['exit 0'])]
  const results = await run(ctx, specs, 'test', {concurrency: 1, failFast: true})
  assert.equal(results.map((r) => r.status), ['failed', 'skipped', 'skipped'])
  assert.is(exitCodeFor(results), 1)
})

Runner('an engine failure is an error (exit 3) and leaves no state behind', async (ctx) => {
  ctx.driver = new DummyDriver({fail: ['create']})
  const [r] = await run(ctx, [fakeSpec('a-p', ['exit 0'])], 'test')
  assert.is(r.status, 'error')
  assert.is(r.failedIn, 'create')
  assert.match(r.message!, /told to fail create/)
  assert.is(ctx.store.readAll().length, 0)
  assert.is(exitCodeFor([r]), 3)
})

Runner('an interrupt removes the containers the run made and marks instances interrupted', async (ctx) => {
  const specs = [fakeSpec('a-p', ['sleep 50', 'echo after']), fakeSpec('b-p', ['sleep 50']), fakeSpec('c-p', ['exit 0'])]
  setTimeout(() => ctx.controller.abort(), 20)
  const results = await run(ctx, specs, 'test', {concurrency: 2})
  assert.equal(results.map((r) => r.status), ['interrupted', 'interrupted', 'interrupted'])
  assert.is(ctx.driver.containers.size, 0)
  assert.is(ctx.store.readAll().length, 0)
  assert.ok(!ctx.driver.calls.some((c) => c.endsWith('echo after')))
  assert.is(exitCodeFor(results), 130)
})

Runner('destroy finds containers by label when the state file was lost', async (ctx) => {
  await run(ctx, [fakeSpec('a-p', ['exit 0']), fakeSpec('b-p', ['exit 0'])], 'converge')
  assert.is(ctx.driver.containers.size, 2)
  ctx.store.remove('a-p')
  // A state file left by a run killed between its write and the engine call.
  ctx.store.write({instance: 'ghost-p', state: 'creating', driver: 'dummy'})
  const out = await destroyInstances(ctx.root, ctx.store, [{name: 'dummy'}], undefined, async () => ctx.driver)
  assert.equal(out.map((o) => o.instance).sort(), ['a-p', 'b-p'])
  assert.is(ctx.driver.containers.size, 0)
  assert.is(ctx.store.readAll().length, 0)
})

Runner('converge resumes from the longest cached prefix and reruns from the first changed step', async (ctx) => {
  const steps = ['echo one', 'echo two', 'echo three', 'echo four']
  const ran = () => ctx.driver.calls.filter((c) => c.startsWith('exec ') && / echo /.test(c) && !c.includes('/proc/')).map((c) => c.split(' ').slice(-1)[0])
  await run(ctx, [fakeSpec('a-p', steps)], 'converge')
  assert.equal(ran(), ['one', 'two', 'three', 'four'])
  assert.is(ctx.driver.snapshots.size, 4)
  ctx.driver.calls.length = 0
  const [again] = await run(ctx, [fakeSpec('a-p', steps)], 'converge')
  assert.equal(ran(), [])
  assert.equal(again.steps.map((s) => s.cached), [true, true, true, true])
  ctx.driver.calls.length = 0
  const [changed] = await run(ctx, [fakeSpec('a-p', ['echo one', 'echo two', 'echo THREE', 'echo four'])], 'converge')
  assert.equal(ran(), ['THREE', 'four'])
  assert.equal(changed.steps.map((s) => Boolean(s.cached)), [true, true, false, false])
  assert.is(ctx.driver.containers.size, 1)
})

Runner('a container a restore replaces is retired: its successor is made while it is removed, and converge waits for the removal', async () => {
  const ctx = dummyRun(new DummyDriver({sleepMs: 20}))
  try {
    const oldStillThere: boolean[] = []
    const create = ctx.driver.create.bind(ctx.driver)
    ctx.driver.create = async (options) => (oldStillThere.push(ctx.driver.containers.has(`${options.name}.retired`)), create(options))
    await run(ctx, [fakeSpec('a-p', ['echo one', 'echo two'])], 'converge')
    const [changed] = await run(ctx, [fakeSpec('a-p', ['echo one', 'echo TWO'])], 'converge')
    assert.is(changed.status, 'passed')
    assert.equal(oldStillThere, [false, true], 'the successor was made before the old container was gone')
    assert.equal(ctx.driver.containers.entries().map(([name]) => name).filter((n) => n.endsWith('.retired')), [], 'the retired container is gone once converge ends')
    assert.is(ctx.driver.containers.size, 1)
  } finally {
    endRun(ctx)
  }
})

Runner('a failed step is never cached: the next converge runs it again', async (ctx) => {
  const [first] = await run(ctx, [fakeSpec('a-p', ['echo one', 'exit 3'])], 'converge')
  assert.is(first.status, 'failed')
  assert.is(ctx.driver.snapshots.size, 1)
  ctx.driver.calls.length = 0
  const [second] = await run(ctx, [fakeSpec('a-p', ['echo one', 'exit 3'])], 'converge')
  assert.equal(second.steps.map((s) => [Boolean(s.cached), s.exitCode]), [[true, 0], [false, 3]])
  assert.ok(ctx.driver.calls.some((c) => c.endsWith('exit 3')))
})

Runner('--no-cache runs every step on the existing container and snapshots none', async (ctx) => {
  const specs = [fakeSpec('a-p', ['echo one', 'echo two'])]
  const plain = (specs: InstanceSpec[]) =>
    runInstances(
      specs.map((spec) => new Instance({spec, driver: ctx.driver, store: ctx.store, events: ctx.events, root: ctx.root, runId: 'r1', signal: ctx.controller.signal, cache: false})),
      'converge',
      {concurrency: 1, signal: ctx.controller.signal, events: ctx.events},
    )
  await plain(specs)
  await plain(specs)
  assert.is(ctx.driver.snapshots.size, 0)
  assert.is(ctx.driver.calls.filter((c) => c.startsWith('create')).length, 1)
  assert.is(ctx.driver.calls.filter((c) => c.endsWith('echo two')).length, 2)
})

Runner('a line a progress meter rewrites with CRs is its last state in the output kept; its events carry the output as it came', async (ctx) => {
  const meter = '(Reading database ... \r(Reading database ... 50%\r(Reading database ... 6541 files and directories currently installed.)'
  const came: string[] = []
  ctx.events.on('task:output', ({text}) => came.push(text))
  const [r] = await run(ctx, [fakeSpec('a-p', [`echo ${meter}`])], 'converge')
  assert.is(r.steps[0].outputTail, '(Reading database ... 6541 files and directories currently installed.)')
  assert.equal(came, [`${meter}\n`])
})

Runner.run()

const Store = suite('StateStore')

Store('writes atomically: no temporary file remains and a torn write is never read', () => {
  const root = makeProject({})
  try {
    const store = new StateStore(root)
    store.write({instance: 'x', state: 'created', driver: 'lxc', handle: {driver: 'lxc', name: 'x-1'}})
    assert.equal(readdirSync(store.dir), ['x.json'])
    assert.is(store.read('x')?.handle?.name, 'x-1')
    writeFileSync(path.join(store.dir, 'y.json'), '{"instance": "y", "sta')
    assert.is(store.read('y'), undefined)
    assert.equal(store.readAll().map((s) => s.instance), ['x'])
    store.write({instance: 'x', state: 'destroyed', driver: 'lxc'})
    assert.not.ok(existsSync(path.join(store.dir, 'x.json')))
  } finally {
    removeProject(root)
  }
})

Store.run()
