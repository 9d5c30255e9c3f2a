/** The dummy driver in this process: its settings in galley.yml, its records, waits and failures. */
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {Ajv} from 'ajv'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {DummyDriver} from '../../drivers/dummy/driver.js'
import {galleySchema} from '../../src/config/jsonschema.js'
import {loadConfig} from '../../src/config/load.js'
import {ConfigErrors, EngineError, ImageBuildError} from '../../src/errors.js'
import {makeProject, removeProject} from '../fakes/project.js'

const validate = new Ajv({allErrors: true, strict: false}).compile(galleySchema(false))
const PROJECT = `platforms: [{name: bb, image: {bootstrap: busybox}}]\nsuites: [{name: s}]\n`

function load(driver: string) {
  const root = makeProject({'galley.yml': `driver: ${driver}\n${PROJECT}`})
  try {
    return loadConfig({cwd: root}).instances[0].driver
  } finally {
    removeProject(root)
  }
}

const Settings = suite('driver: {name: dummy} in galley.yml')

Settings('sleep and fail are read, one action or a list of them, and the JSON Schema accepts them', () => {
  assert.equal(load('{name: dummy, sleep: 50ms, fail: converge}'), {name: 'dummy', sleepMs: 50, fail: ['converge']})
  assert.equal(load('{name: dummy, sleep: 2, fail: [create, verify]}'), {name: 'dummy', sleepMs: 2000, fail: ['create', 'verify']})
  for (const driver of ['{name: dummy, sleep: 50ms, fail: converge}', '{name: dummy, fail: [image, snapshot, destroy]}']) {
    assert.ok(validate(parse(`driver: ${driver}\n${PROJECT}`)), driver)
  }
})

Settings('an unknown action or a duration that is none is refused where it is written', () => {
  for (const [driver, message] of [
    ['{name: dummy, fail: [create, explode]}', 'galley.yml.driver.fail[1] must be one of create, converge, verify, destroy, image, snapshot, got string "explode"'],
    ['{name: dummy, fail: verfy}', 'galley.yml.driver.fail must be one of create, converge, verify, destroy, image, snapshot, got string "verfy" — did you mean `verify`?'],
    ['{name: dummy, sleep: soon}', 'galley.yml.driver.sleep must be a duration such as 30s, 2m or 500ms, got string "soon"'],
  ]) {
    // The JSON Schema knows the actions; it takes any string for a duration.
    if (driver.includes('fail')) assert.not.ok(validate(parse(`driver: ${driver}\n${PROJECT}`)), driver)
    try {
      load(driver)
      assert.unreachable(`${driver} was accepted`)
    } catch (error) {
      assert.instance(error, ConfigErrors)
      assert.match((error as Error).message, /galley\.yml:1:\d+: /)
      assert.match((error as Error).message, message)
    }
  }
})

Settings.run()

const Driver = suite<{dir: string}>('DummyDriver')

Driver.before.each((ctx) => {
  ctx.dir = mkdtempSync(path.join(tmpdir(), 'galley-dummy-'))
})

Driver.after.each((ctx) => rmSync(ctx.dir, {recursive: true, force: true}))

const labels = (root: string) => ({'galley.project': 'p1', 'galley.instance': 'a-bb', 'galley.run': 'r1', 'galley.root': root})

Driver('containers and step snapshots kept in a folder are seen by a later driver, as by a later process', async (ctx) => {
  const first = new DummyDriver({dir: ctx.dir})
  const base = await first.ensureImage({bootstrap: 'busybox'})
  const handle = await first.create({instance: 'a-bb', name: 'a-bb-1', snapshot: base, limits: {}, labels: labels(ctx.dir)})
  const step = await first.snapshot(handle, 'k'.repeat(32))

  const later = new DummyDriver({dir: ctx.dir})
  assert.equal((await later.list({'galley.project': 'p1'})).map((h) => [h.name, h.instance, h.run, h.running]), [['a-bb-1', 'a-bb', 'r1', true]])
  assert.equal(await later.list({'galley.project': 'other'}), [])
  assert.equal(await later.findSnapshot('k'.repeat(32)), step)
  assert.is(await later.exec(handle, ['/bin/sh', '-c', 'exit 4']), 4)
  const second = await later.create({instance: 'a-bb', name: 'a-bb-2', snapshot: step, limits: {}, labels: labels(ctx.dir)})
  assert.is(await later.removeSnapshot(step.id), false, 'a container is built on it')
  await later.destroy(second)
  assert.is(await later.removeSnapshot(step.id), true)
  assert.is(await first.findSnapshot('k'.repeat(32)), undefined)
  await later.destroy(handle)
  assert.is(first.containers.size, 0)
  // What a user reads: each call on a line of the container's log in the project.
  assert.equal(first.calls, ['image busybox', `create a-bb-1 ${base.id}`, 'snapshot a-bb-1 kkkkkkkk'])
})

Driver('commands: echo, exit and sleep are interpreted; anything else says it was not run', async (ctx) => {
  const d = new DummyDriver()
  const handle = await d.create({instance: 'a-bb', name: 'a-bb-1', snapshot: {id: 'x', driver: 'dummy'}, limits: {}, labels: labels(ctx.dir)})
  const run = async (argv: string[]) => {
    let out = ''
    let err = ''
    const code = await d.exec(handle, argv, {onStdout: (b) => (out += b), onStderr: (b) => (err += b)})
    return [code, out, err]
  }
  assert.equal(await run(['/bin/sh', '-c', 'echo hello world']), [0, 'hello world\n', ''])
  assert.equal(await run(['/bin/sh', '-c', 'echo hi > /etc/motd']), [0, '', 'dummy driver: not run: echo hi > /etc/motd\n'])
  assert.equal(await run(['apt-get', 'install', '-y', "it's"]), [0, '', `dummy driver: not run: apt-get install -y 'it'\\''s'\n`])
  assert.equal(await run(['/bin/sh', '-c', 'sleep 5']), [0, '', ''])
  // A generated script shows its first line on the console; the container's log has all of it, on one line.
  assert.equal(await run(['/bin/sh', '-c', 'set -e\napt-get update']), [0, '', 'dummy driver: not run: set -e … (2 lines, 21 characters; all of it in .galley/dummy/a-bb-1.log)\n'])
  assert.match(readFileSync(path.join(ctx.dir, '.galley', 'dummy', 'a-bb-1.log'), 'utf8'), / exec a-bb-1 set -e\\napt-get update\n$/)
  await d.copyIn(handle, Readable.from([Buffer.alloc(512)]), '/tmp/galley')
  assert.equal(d.containers.get('a-bb-1')?.files, ['/tmp/galley'])
})

Driver('sleep: every action waits that long, and an abort ends the wait', async () => {
  const d = new DummyDriver({sleepMs: 200})
  let started = performance.now()
  await d.ensureImage({bootstrap: 'busybox'})
  assert.ok(performance.now() - started >= 190)
  const controller = new AbortController()
  setTimeout(() => controller.abort(), 20)
  started = performance.now()
  await d.ensureImage({bootstrap: 'busybox'}, undefined, controller.signal)
  assert.ok(performance.now() - started < 190)
})

Driver('fail: image, snapshot and destroy throw engine errors that say why; doctor always passes', async (ctx) => {
  const d = new DummyDriver({fail: ['image', 'snapshot', 'destroy']})
  assert.equal(await d.doctor(), [{name: 'dummy', ok: true, detail: 'no engine: commands are recorded, not run'}])
  const told = async (what: Promise<unknown>, kind: typeof EngineError, action: string) => {
    try {
      await what
      assert.unreachable(`${action} did not fail`)
    } catch (error) {
      assert.instance(error, kind)
      assert.is((error as Error).message, `told to fail ${action} (driver.fail)`)
    }
  }
  await told(d.ensureImage({bootstrap: 'busybox'}), ImageBuildError, 'image')
  const handle = await d.create({instance: 'a-bb', name: 'a-bb-1', snapshot: {id: 'x', driver: 'dummy'}, limits: {}, labels: labels(ctx.dir)})
  await told(d.snapshot(handle, 'k'.repeat(32)), EngineError, 'snapshot')
  await told(d.destroy(handle), EngineError, 'destroy')
  assert.is(d.containers.size, 1)
})

Driver.run()
