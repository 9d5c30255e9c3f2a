import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {LockedError, lockInstances} from '../../src/lifecycle/lock.js'
import {readRun, registerRun, runAlive} from '../../src/lifecycle/runs.js'
import {processAlive, processStart} from '../../src/process.js'
import {makeProject, removeProject} from '../fakes/project.js'

const lockModule = fileURLToPath(new URL('../../src/lifecycle/lock.js', import.meta.url))

/** Another process that takes the locks and holds them until killed; resolves once it holds them. */
function holder(root: string, names: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const {lockInstances} = await import(${JSON.stringify(lockModule)})
    lockInstances(${JSON.stringify(root)}, ${JSON.stringify(names)}, 'galley test held')
    console.log('held')
    setInterval(() => {}, 1000)
  `], {stdio: ['ignore', 'pipe', 'inherit']})
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child))
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)))
  })
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

const Lock = suite('instance locks')

Lock('a lock held by a live process stops another, naming the holder; other instances go ahead', async () => {
  const root = makeProject({})
  const child = await holder(root, ['web-bb'])
  try {
    try {
      lockInstances(root, ['db-bb', 'web-bb'], 'galley converge')
      assert.unreachable('web-bb is held')
    } catch (error) {
      assert.instance(error, LockedError)
      assert.match((error as Error).message, new RegExp(`instance web-bb is in use by another galley process: pid ${child.pid} running \`galley test held\``))
      assert.is((error as LockedError).exitCode, 2)
    }
    // All or none: the free instance taken before the refusal is not left locked.
    assert.not.ok(existsSync(path.join(root, '.galley', 'locks', 'db-bb.lock')))
    const release = lockInstances(root, ['db-bb'], 'galley converge db')
    assert.ok(existsSync(path.join(root, '.galley', 'locks', 'db-bb.lock')))
    release()
    assert.not.ok(existsSync(path.join(root, '.galley', 'locks', 'db-bb.lock')))
  } finally {
    await killed(child)
    removeProject(root)
  }
})

Lock('the lock of a killed process is taken over; the same process may take its own locks again', async () => {
  const root = makeProject({})
  try {
    const child = await holder(root, ['web-bb'])
    await killed(child)
    const release = lockInstances(root, ['web-bb'], 'galley test')
    const held = JSON.parse(readFileSync(path.join(root, '.galley', 'locks', 'web-bb.lock'), 'utf8'))
    assert.is(held.pid, process.pid)
    const again = lockInstances(root, ['web-bb'], 'galley test')
    again()
    assert.ok(existsSync(path.join(root, '.galley', 'locks', 'web-bb.lock')), 'the inner release leaves the outer lock')
    release()
    assert.not.ok(existsSync(path.join(root, '.galley', 'locks', 'web-bb.lock')))
  } finally {
    removeProject(root)
  }
})

Lock('a lock file left empty by a crash is stale', () => {
  const root = makeProject({})
  try {
    mkdirSync(path.join(root, '.galley', 'locks'), {recursive: true})
    writeFileSync(path.join(root, '.galley', 'locks', 'web-bb.lock'), '')
    lockInstances(root, ['web-bb'], 'galley test')()
  } finally {
    removeProject(root)
  }
})

Lock.run()

const Runs = suite('run records')

Runs('a run is alive while its process is; a reused pid with another start time is not the run', async () => {
  const run = `test-${process.pid}-${Date.now()}`
  const forget = registerRun(run, '/nowhere', 'galley test')
  try {
    assert.ok(runAlive(run))
    const record = readRun(run)!
    assert.is(record.pid, process.pid)
    assert.is(record.started, processStart(process.pid))
    assert.not.ok(processAlive({pid: process.pid, started: record.started + 1}))
  } finally {
    forget()
  }
  assert.not.ok(runAlive(run))
  assert.not.ok(runAlive(undefined))
})

Runs.run()
