/**
 * The CLI's actions one at a time, locks and Ctrl-C, through the built CLI on the dummy driver: the
 * driver keeps its containers and step snapshots in GALLEY_HOME, so each command is a process of
 * its own, as a user runs them.
 */
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DummyProject, waitFor} from '../fakes/cli.js'
import {readJunit} from '../fakes/junit.js'

const PLATFORM = `platforms:
  - name: bb
    image: {bootstrap: busybox}
`

interface Listed {
  instance: string
  driver: string
  state: string
  container: string | null
  lastAction: string | null
}

async function list(p: DummyProject): Promise<Listed[]> {
  const r = await p.run('list', '--json')
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as Listed[]
}

const Actions = suite('galley actions on the dummy driver')

Actions('converge, list, verify and destroy are separate runs; a later converge restores the steps from the cache', async () => {
  const p = new DummyProject(`driver: {name: dummy}\n${PLATFORM}suites:\n  - name: web\n    provisioner: {steps: [{run: echo one}, {run: echo two}]}\n    verifier: {tests: [{run: echo ok}]}\n`)
  try {
    const converge = await p.run('converge')
    assert.is(converge.code, 0, converge.stdout + converge.stderr)
    const container = p.container('web-bb')
    const [listed] = await list(p)
    assert.equal([listed.instance, listed.driver, listed.state, listed.container, listed.lastAction], ['web-bb', 'dummy', 'converged', container, 'converge'])

    const verify = await p.run('verify')
    assert.is(verify.code, 0, verify.stdout + verify.stderr)
    assert.match(verify.stdout, '[web-bb] ok test echo ok')
    assert.not.match(verify.stdout, 'step')
    assert.is(p.state('web-bb'), 'verified')

    const destroy = await p.run('destroy')
    assert.is(destroy.code, 0, destroy.stderr)
    assert.is(destroy.stdout.trim(), `destroyed web-bb (${container})`)
    assert.equal((await list(p)).map((i) => [i.state, i.container]), [['destroyed', null]])
    assert.equal(p.containers(), [])

    const again = await p.run('converge')
    assert.is(again.code, 0, again.stdout + again.stderr)
    assert.match(again.stdout, '[web-bb] cached step echo one (restored from the step cache)')
    assert.match(again.stdout, '[web-bb] cached step echo two (restored from the step cache)')
    assert.match(again.stdout, /web-bb\s+passed\s+2\/2 \(2 cached\)/)
    assert.ok(!p.calls('web-bb').some((c) => c.endsWith(' echo one')), 'the cached steps did not run again')
    assert.match(p.calls('web-bb')[0], /^create \S+ dummy-step-/)
  } finally {
    p.remove()
  }
})

Actions('a second run on an instance in use exits 2 naming the holder; the first goes on', async () => {
  const p = new DummyProject(`driver: {name: dummy, sleep: 1s}\n${PLATFORM}suites:\n  - name: web\n    provisioner: {steps: [{run: echo one}]}\n`)
  try {
    const first = p.start(['converge'])
    await waitFor('the first run to start', () => first.output().includes('[web-bb] image'))
    const second = await p.run('converge')
    assert.is(second.code, 2, second.stdout + second.stderr)
    assert.match(second.stderr, `instance web-bb is in use by another galley process: pid ${first.pid} running \`galley converge\``)
    assert.ok(first.exitCode === null, 'the first run is still busy')
    first.kill('SIGINT')
    assert.is((await first.done).code, 130, first.output())
    assert.equal(p.galleyFiles('locks'), [])
  } finally {
    p.remove()
  }
})

Actions('Ctrl-C stops a running galley test: exit 130, JUnit written, no lock, state or container left', async () => {
  const slow = (name: string) => `  - {name: ${name}, provisioner: {steps: [{run: sleep 20000}]}}`
  const p = new DummyProject(`driver: {name: dummy}\n${PLATFORM}suites:\n${slow('a')}\n${slow('b')}\n`)
  try {
    const run = p.start(['test'])
    await waitFor('both converges to start', () => (run.output().match(/step 1\/1/g) ?? []).length === 2)
    run.kill('SIGINT')
    const r = await run.done
    assert.is(r.code, 130, run.output())
    assert.match(r.stderr, 'SIGINT: stopping; removing the containers this run created')
    assert.is(readJunit(path.join(p.root, '.galley', 'junit.xml')).errors, 2)
    assert.equal(p.galleyFiles('locks'), [])
    assert.equal(p.galleyFiles('state'), [])
    assert.equal(p.containers(), [])
    assert.equal(readdirSync(path.join(p.home, 'runs')), [])
  } finally {
    p.remove()
  }
})

Actions.run()
