/** `galley test` end to end through the built CLI, on the dummy driver: no engine, no root. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DummyProject} from '../fakes/cli.js'
import {readJunit} from '../fakes/junit.js'

const PLATFORM = `platforms:
  - name: bb
    image: {bootstrap: busybox}
`
const WEB = `suites:
  - name: web
    provisioner:
      steps:
        - script: recipes/setup.sh
        - run: echo configured
    verifier:
      tests:
        - {name: greets, run: echo hello}
        - {name: no telnet, run: exit 2, exit_status: 2}
`
const FILES = {'recipes/setup.sh': 'echo set up\n'}

const dummy = (settings = '') => `driver: {name: dummy${settings}}\n${PLATFORM}${WEB}`

const Test = suite('galley test on the dummy driver')

Test('passes, shows what ran, writes JUnit, TAP and JSON, and leaves nothing behind', async () => {
  const p = new DummyProject(dummy(), FILES)
  try {
    const r = await p.run('test', '--junit', 'out.xml', '--tap', 'out.tap', '--json', 'out.json')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, '[web-bb] ! dummy driver: not run: /bin/sh -c')
    assert.match(r.stdout, '/tmp/galley/recipes/setup.sh')
    assert.match(r.stdout, '[web-bb] | configured')
    assert.match(r.stdout, '1 of 1 instances passed. JUnit: out.xml. TAP: out.tap. JSON: out.json.')

    const junit = readJunit(path.join(p.root, 'out.xml'))
    assert.equal([junit.tests, junit.failures, junit.errors], [4, 0, 0])
    const [web] = junit.suites
    assert.is(web.name, 'web-bb')
    assert.equal(web.properties, {platform: 'bb', suite: 'web', driver: 'dummy', image: 'busybox'})
    assert.equal(
      web.cases.map((c) => [c.classname, c.name, Boolean(c.failure), c.skipped]),
      [
        ['web-bb.converge', 'recipes/setup.sh', false, false],
        ['web-bb.converge', 'echo configured', false, false],
        ['web-bb.verify', 'greets', false, false],
        ['web-bb.verify', 'no telnet', false, false],
      ],
    )

    const tap = readFileSync(path.join(p.root, 'out.tap'), 'utf8').trim().split('\n')
    assert.equal(tap.slice(0, 2), ['TAP version 13', '1..4'])
    assert.equal(tap.slice(2), ['ok 1 - web-bb converge recipes/setup.sh', 'ok 2 - web-bb converge echo configured', 'ok 3 - web-bb verify greets', 'ok 4 - web-bb verify no telnet'])

    const json = JSON.parse(readFileSync(path.join(p.root, 'out.json'), 'utf8'))
    assert.equal(json.summary, {instances: 1, passed: 1, failed: 0, errors: 0, tests: 2, testsFailed: 0, testsSkipped: 0})
    assert.is(json.instances[0].driver, 'dummy')
    assert.equal(json.instances[0].tests.map((t: {status: string}) => t.status), ['passed', 'passed'])

    assert.equal(p.calls('web-bb').filter((c) => !c.includes('/proc/')).map((c) => c.split(' ')[0]), ['create', 'copy-in', 'exec', 'snapshot', 'exec', 'snapshot', 'exec', 'exec', 'destroy'])
    assert.equal(p.containers(), [])
    assert.equal(p.galleyFiles('state'), [])
    assert.equal(p.galleyFiles('locks'), [])
  } finally {
    p.remove()
  }
})

Test('fail: verify fails every test: exit 1, failed testcases, the reason in their output', async () => {
  const p = new DummyProject(dummy(', fail: verify'), FILES)
  try {
    const r = await p.run('test', '--junit', 'out.xml', '--json', 'out.json')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, 'told to fail verify (driver.fail)')
    const [web] = readJunit(path.join(p.root, 'out.xml')).suites
    assert.equal(web.cases.map((c) => [c.classname, c.failure?.type ?? 'passed']), [
      ['web-bb.converge', 'passed'],
      ['web-bb.converge', 'passed'],
      ['web-bb.verify', 'TestFailed'],
      ['web-bb.verify', 'TestFailed'],
    ])
    assert.is(web.cases[2].failure?.message, 'test `greets` exited with 1')
    assert.match(web.cases[2].failure?.text ?? '', 'told to fail verify')
    const json = JSON.parse(readFileSync(path.join(p.root, 'out.json'), 'utf8'))
    assert.equal([json.summary.failed, json.summary.testsFailed, json.instances[0].failedIn], [1, 2, 'verify'])
    // Kept for inspection, as a failed instance is on any engine.
    assert.is(p.state('web-bb'), 'converged')
    assert.equal(p.containers(), [p.container('web-bb')])
  } finally {
    p.remove()
  }
})

Test('fail: converge fails the first step: exit 1, later steps and every test skipped', async () => {
  const p = new DummyProject(dummy(', fail: [converge]'), FILES)
  try {
    const r = await p.run('test', '--junit', 'out.xml')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /web-bb\s+failed\s+converge\s+0\/2\s+0\/0/)
    assert.match(r.stdout, 'told to fail converge (driver.fail)')
    const [web] = readJunit(path.join(p.root, 'out.xml')).suites
    assert.equal(web.cases.map((c) => [c.classname, c.name, c.failure?.type ?? (c.skipped ? 'skipped' : 'passed')]), [
      ['web-bb.converge', 'recipes/setup.sh', 'StepFailed'],
      ['web-bb.converge', 'echo configured', 'skipped'],
      ['web-bb.verify', 'greets', 'skipped'],
      ['web-bb.verify', 'no telnet', 'skipped'],
    ])
    assert.is(web.cases[0].failure?.message, 'step `recipes/setup.sh` exited with 1')
    assert.is(p.state('web-bb'), 'created')
  } finally {
    p.remove()
  }
})

Test('fail: create is an engine error: exit 3, no state and no container left', async () => {
  const p = new DummyProject(dummy(', fail: create'), FILES)
  try {
    const r = await p.run('test')
    assert.is(r.code, 3, r.stdout + r.stderr)
    assert.match(r.stdout, /web-bb\s+error\s+create/)
    assert.match(r.stdout, '✗ web-bb: told to fail create (driver.fail)')
    assert.equal(p.galleyFiles('state'), [])
    assert.equal(p.containers(), [])
  } finally {
    p.remove()
  }
})

Test('--driver dummy runs a project written for LXC; --concurrency bounds how many instances run at once', async () => {
  const suites = ['a', 'b', 'c', 'd'].map((s) => `  - {name: ${s}, provisioner: {steps: [{run: sleep 300}]}}`).join('\n')
  const p = new DummyProject(`driver: {name: lxc}\n${PLATFORM}suites:\n${suites}\n`)
  try {
    const r = await p.run('test', '--driver', 'dummy', '--concurrency', '2')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, '4 of 4 instances passed.')
    // From each container's create to its destroy, as its log has them: never more than two at once, and two at times.
    const edges = ['a', 'b', 'c', 'd'].flatMap((s) => {
      const calls = p.timedCalls(`${s}-bb`)
      return [{at: calls[0].at, step: 1}, {at: calls[calls.length - 1].at, step: -1}]
    })
    edges.sort((x, y) => x.at - y.at || x.step - y.step)
    let running = 0
    let most = 0
    for (const e of edges) most = Math.max(most, (running += e.step))
    assert.is(most, 2)
  } finally {
    p.remove()
  }
})

Test.run()
