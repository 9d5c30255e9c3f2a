/**
 * A pool of engines through the runner, each engine a dummy driver of its own: where instances go,
 * capacity, an engine lost mid-run or down at the start, and step snapshots copied between engines.
 */
import path from 'node:path'
import {Readable} from 'node:stream'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DummyDriver, type DummySnapshot} from '../../drivers/dummy/driver.js'
import {EngineUnreachable, type DoctorCheck, type ExecOptions, type ContainerHandle} from '../../drivers/driver.js'
import type {InstanceSpec} from '../../src/config/types.js'
import {EngineError} from '../../src/errors.js'
import {StepCosts} from '../../src/lifecycle/pool/costs.js'
import {openPool} from '../../src/lifecycle/pool/open.js'
import {PlacedDriver} from '../../src/lifecycle/pool/placed-driver.js'
import {Pool} from '../../src/lifecycle/pool/pool.js'
import {exitCodeFor, runInstances} from '../../src/lifecycle/runner.js'
import type {InstanceResult} from '../../src/model.js'
import {formatJson} from '../../src/reporters/json.js'
import {writeJunit} from '../../src/reporters/junit.js'
import {dummyRun, endRun, instancesOf, type DummyRun} from '../fakes/lifecycle.js'
import {fakeSpec} from '../fakes/project.js'
import {readJunit} from '../fakes/junit.js'

/** A dummy engine that can be down, and hands its step snapshots to another as docker save and load would. */
class FakeEngine extends DummyDriver {
  down = false
  /** What imageSize says for a snapshot it has. */
  snapshotBytes = 1000

  constructor(sleepMs = 0) {
    super({sleepMs})
  }

  override async doctor(): Promise<DoctorCheck[]> {
    return this.down ? [{name: 'engine', ok: false, detail: 'not reachable (ECONNREFUSED)'}] : super.doctor()
  }

  override async exec(handle: ContainerHandle, argv: string[], options?: ExecOptions): Promise<number> {
    if (this.down) throw new EngineUnreachable('the Docker engine b at /run/b.sock is not reachable (ECONNREFUSED) while trying to exec')
    return super.exec(handle, argv, options)
  }

  async exportImages(ids: string[]): Promise<Readable> {
    const records = ids.map((id) => this.snapshots.entries().find(([, s]) => s.id === id)?.[1])
    return Readable.from([Buffer.from(JSON.stringify(records))])
  }

  async importImages(tar: Readable): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of tar) chunks.push(chunk as Buffer)
    for (const s of JSON.parse(Buffer.concat(chunks).toString()) as DummySnapshot[]) this.snapshots.set(s.key, s)
  }

  async imageSize(id: string): Promise<number | undefined> {
    return this.snapshots.entries().some(([, s]) => s.id === id) ? this.snapshotBytes : undefined
  }
}

interface Ctx extends DummyRun {
  engines: Record<string, FakeEngine>
  pool: Pool
  notes: string[]
}

const Pooled = suite<Ctx>('a pool of engines')

function openTestPool(ctx: Ctx, engines: {name: string; capacity?: number; sleepMs?: number}[], concurrency = 8): void {
  ctx.engines = Object.fromEntries(engines.map((e) => [e.name, new FakeEngine(e.sleepMs)]))
  ctx.notes = []
  ctx.pool = new Pool(
    engines.map((e) => ({name: e.name, address: `unix:///run/${e.name}.sock`, capacity: e.capacity, driver: ctx.engines[e.name]})),
    {concurrency, costs: new StepCosts(), note: (instance, message) => ctx.notes.push(`${instance}: ${message}`)},
  )
}

function run(ctx: Ctx, specs: InstanceSpec[], concurrency = 8): Promise<InstanceResult[]> {
  const instances = specs.flatMap((spec) => instancesOf(ctx, [spec], {driver: ctx.pool.driverFor(spec.name)}))
  return runInstances(instances, 'test', {concurrency, signal: ctx.controller.signal, events: ctx.events, place: (inst, signal) => (inst.driver as PlacedDriver).place({signal})})
}

const specs = (n: number, steps = ['sleep 30']) => Array.from({length: n}, (_, i) => fakeSpec(`s${i}-bb`, steps, ['exit 0']))

Pooled.before.each((ctx) => void Object.assign(ctx, dummyRun()))
Pooled.after.each((ctx) => endRun(ctx))

Pooled('instances go to every engine, and each result, JUnit and JSON say which; nothing stays behind', async (ctx) => {
  openTestPool(ctx, [{name: 'a'}, {name: 'b'}, {name: 'c'}])
  const results = await run(ctx, specs(6))
  assert.equal(results.map((r) => r.status), Array(6).fill('passed'))
  assert.equal(results.map((r) => r.engine).sort(), ['a', 'a', 'b', 'b', 'c', 'c'])
  for (const engine of Object.values(ctx.engines)) assert.is(engine.containers.size, 0)
  const file = path.join(ctx.root, 'junit.xml')
  await writeJunit(file, results)
  assert.equal(readJunit(file).suites.map((s) => s.properties.engine).sort(), ['a', 'a', 'b', 'b', 'c', 'c'])
  assert.equal((JSON.parse(formatJson(results)).instances as {engine: string}[]).map((i) => i.engine).sort(), ['a', 'a', 'b', 'b', 'c', 'c'])
})

Pooled('no engine runs more instances at once than its capacity', async (ctx) => {
  openTestPool(ctx, [{name: 'a', capacity: 1}, {name: 'b', capacity: 2}])
  const results = await run(ctx, specs(6))
  assert.ok(results.every((r) => r.status === 'passed'))
  assert.is(ctx.engines.a.maxRunning, 1)
  assert.is(ctx.engines.b.maxRunning, 2)
})

Pooled('an engine that stops answering fails only its instances (exit 3, named); the rest go elsewhere and finish', async (ctx) => {
  openTestPool(ctx, [{name: 'a'}, {name: 'b'}, {name: 'c'}], 3)
  ctx.engines.b.down = true
  const results = await run(ctx, specs(6), 3)
  const failed = results.filter((r) => r.status !== 'passed')
  assert.ok(failed.length >= 1)
  for (const r of failed) {
    assert.is(r.status, 'error')
    assert.is(r.engine, 'b')
    assert.match(r.message!, 'the Docker engine b at /run/b.sock is not reachable')
  }
  assert.ok(results.filter((r) => r.status === 'passed').every((r) => r.engine !== 'b'), 'instances that start after b is lost go to a and c')
  assert.is(exitCodeFor(results), 3)
  assert.is(ctx.engines.a.containers.size + ctx.engines.c.containers.size, 0, 'nothing left on the engines that answer')
})

Pooled('engines that do not answer at the start are skipped; with none answering the run stops', async (ctx) => {
  const engines: Record<string, FakeEngine> = {a: new FakeEngine(), b: new FakeEngine()}
  engines.b.down = true
  const hosts = [{name: 'a', address: 'unix:///run/a.sock'}, {name: 'b', address: 'unix:///run/b.sock'}]
  const resolve = async (choice: {label?: string}) => engines[choice.label!]
  const {pool, down} = await openPool(hosts, {concurrency: 4, costs: new StepCosts()}, resolve)
  assert.equal(down.map((d) => d.name), ['b'])
  assert.match(down[0].error.message, 'ECONNREFUSED')
  assert.equal(pool.up().map((e) => e.name), ['a'])
  engines.a.down = true
  try {
    await openPool(hosts, {concurrency: 4, costs: new StepCosts()}, resolve)
    assert.unreachable('a pool with no engine up was opened')
  } catch (error) {
    assert.instance(error, EngineError)
    assert.match((error as Error).message, 'no engine of the pool answers (a, b)')
  }
})

Pooled('a step snapshot another engine has is copied when its steps took longer than the copy takes', async (ctx) => {
  openTestPool(ctx, [{name: 'a', capacity: 1}, {name: 'b', capacity: 1}])
  const [spec] = specs(1, ['sleep 200'])
  assert.is((await run(ctx, [spec]))[0].engine, 'a')
  // a is busy: the same instance goes to b, which has not got its step.
  const busy = await ctx.pool.scheduler.acquire({only: 'a'})
  const [again] = await run(ctx, [spec])
  busy.release()
  assert.is(again.engine, 'b')
  assert.equal(again.steps.map((s) => s.cached), [true], 'restored from the copy')
  assert.is(ctx.engines.b.snapshots.size, 1)
  assert.match(ctx.notes.join('\n'), /s0-bb: copied step snapshot \w+ from a to b/)
})

Pooled('a step snapshot that is cheaper to build than to copy is built; the cache is per engine', async (ctx) => {
  openTestPool(ctx, [{name: 'a', capacity: 1}, {name: 'b', capacity: 1}])
  ctx.engines.a.snapshotBytes = 50_000_000_000
  const [spec] = specs(1, ['sleep 20'])
  await run(ctx, [spec])
  const busy = await ctx.pool.scheduler.acquire({only: 'a'})
  const [again] = await run(ctx, [spec])
  busy.release()
  assert.is(again.engine, 'b')
  assert.equal(again.steps.map((s) => Boolean(s.cached)), [false], 'run again on b')
  assert.match(ctx.notes.join('\n'), /is on a, not on b; building it/)
  assert.is(ctx.engines.b.snapshots.size, 1, 'b has its own now')
})

Pooled.run()
