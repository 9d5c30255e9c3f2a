/**
 * The LXC layer store when more than one process uses it: a step layer folder some removal left
 * without its layer file (a run killed half-way through `cache prune`) does not stop another run
 * from storing that step, and a removal never leaves a folder that looks like a layer.
 */
import {randomBytes} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {ContainerHandle} from '../../drivers/driver.js'
import {LxcDriver} from '../../drivers/lxc/driver.js'
import {storeDir} from '../../src/images/store.js'

const test = suite('lxc layer store')
const run = randomBytes(4).toString('hex')
const labels = {'galley.project': 'conformance', 'galley.test': run}
const driver = new LxcDriver()
const made: ContainerHandle[] = []

async function make(): Promise<ContainerHandle> {
  const name = `layers-${run}-${made.length}`
  const snapshot = await driver.ensureImage({bootstrap: 'busybox'})
  const h = await driver.create({instance: name, name, snapshot, limits: {}, labels})
  made.push(h)
  return h
}

test.after(async () => {
  for (const h of await driver.list(labels)) await driver.destroy(h)
})

test('a half-removed layer folder is replaced by the step stored again, and a removal leaves nothing behind', async () => {
  const key = `layers-${run}`
  const leftover = path.join(storeDir('layers'), `step-${key}`)
  mkdirSync(path.join(leftover, 'rootfs', 'etc'), {recursive: true})
  writeFileSync(path.join(leftover, 'rootfs', 'etc', 'stale'), 'from a removal cut short\n')
  const h = await make()
  await driver.exec(h, ['/bin/sh', '-c', 'echo stored > /stored'])
  const snapshot = await driver.snapshot(h, key)
  assert.equal(await driver.findSnapshot(key), snapshot)
  const name = `layers-${run}-${made.length}`
  const child = await driver.create({instance: name, name, snapshot, limits: {}, labels})
  made.push(child)
  let out = ''
  await driver.exec(child, ['/bin/sh', '-c', 'cat /stored; test -e /etc/stale && echo stale || echo clean'], {onStdout: (b) => (out += b)})
  assert.is(out, 'stored\nclean\n')
  for (const c of made) await driver.destroy(c)
  assert.is(await driver.removeSnapshot(snapshot.id), true)
  assert.not.ok(existsSync(leftover), 'the layer folder is gone')
  assert.equal(readdirSync(storeDir('layers')).filter((n) => n.includes(key)), [], 'nothing of the layer is left, set aside or not')
})

test.run()
