import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {ContainerHandle, ExecOptions} from '../../drivers/driver.js'
import type {Assertion} from '../../src/config/types.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import {DummyDriver} from '../../drivers/dummy/driver.js'
import {dummyRun, endRun, instancesOf} from '../fakes/lifecycle.js'
import {fakeSpec} from '../fakes/project.js'

/**
 * A dummy engine whose instance has a port that starts listening on the probe's `listenAfter`th
 * check: it answers the assert verifier's probe scripts with /proc/net/tcp as it would read then.
 */
class PortDriver extends DummyDriver {
  probes = 0
  constructor(private readonly listenAfter: number) {
    super()
  }

  override async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    const marker = /M='(@@galley-[0-9a-f]+)'/.exec(argv[2] ?? '')?.[1]
    if (!marker) return super.exec(handle, argv, options)
    this.probes++
    const listening = this.probes >= this.listenAfter ? '   0: 00000000:0050 00000000:0000 0A 0\n' : ''
    const count = (argv[2].match(/^fact \d+ probe$/gm) ?? []).length
    let out = `\n${marker} S tcp\n${listening}`
    for (let i = 0; i < count; i++) out += `\n${marker} ${i} probe\n`
    options.onStdout?.(Buffer.from(out))
    return 0
  }
}

const port = (extra: Partial<Assertion> = {}): Assertion => ({kind: 'port', target: '80', name: 'port 80', expect: {}, retry: 0, ...extra})

async function verify(driver: DummyDriver, assertions: Assertion[], shellTests: string[] = []) {
  const run = dummyRun(driver)
  try {
    const spec = fakeSpec('a-p', [], shellTests)
    spec.verifier.sections.assert = assertions
    const notes: string[] = []
    run.events.on('instance:note', ({message}) => notes.push(message))
    const [result] = await runInstances(instancesOf(run, [spec]), 'test', {concurrency: 1, signal: run.controller.signal, events: run.events})
    return {result, notes}
  } finally {
    endRun(run)
  }
}

const Retry = suite('assert verifier in the lifecycle')

Retry('assertions run after shell tests, in one probe per round, and a failure names the assertion', async () => {
  const driver = new PortDriver(99)
  const {result} = await verify(driver, [port(), port({name: 'web port'})], ['exit 0'])
  assert.is(result.status, 'failed')
  assert.equal(result.tests.map((t) => [t.name, t.ok]), [['exit 0', true], ['port 80', false], ['web port', false]])
  assert.is(driver.probes, 1)
  assert.is(result.message, '2 of 3 tests failed; first: port 80: expected port 80/tcp listening, got nothing listening on it')
})

Retry('retry: N checks again up to N times and passes once the port listens', async () => {
  const driver = new PortDriver(3)
  const {result, notes} = await verify(driver, [port({retry: 5})])
  assert.is(result.status, 'passed')
  assert.is(driver.probes, 3)
  assert.match(result.tests[0].outputTail, /checked 3 times/)
  assert.equal(notes, ['port 80: expected port 80/tcp listening, got nothing listening on it; checking again up to 5 times'])
})

Retry('retry: N gives up after N more checks; a passing assertion is not checked again; results keep the listed order', async () => {
  const driver = new PortDriver(99)
  const {result} = await verify(driver, [port({retry: 1}), port({name: 'port 80 closed', expect: {listening: false}})])
  assert.equal(result.tests.map((t) => [t.name, t.ok]), [['port 80', false], ['port 80 closed', true]])
  assert.is(driver.probes, 2)
})

Retry('timeout: keeps checking until the time is up', async () => {
  const driver = new PortDriver(99)
  const started = Date.now()
  const {result} = await verify(driver, [port({timeoutMs: 2500})])
  assert.is(result.status, 'failed')
  assert.is(driver.probes, 3)
  assert.ok(Date.now() - started >= 2000)
})

Retry.run()
