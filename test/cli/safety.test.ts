/** Time limits and limit hits through the built CLI, on the dummy driver (its `sleep MS` is a slow step). */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DummyProject} from '../fakes/cli.js'

const project = (provisioner: string, verifier = '') => `driver: {name: dummy}
platforms:
  - name: bb
    image: {bootstrap: busybox}
suites:
  - name: web
    provisioner:
${provisioner}
    verifier:
      tests:
        - {name: greets, run: echo hello}
${verifier}`

const Safety = suite('galley on the dummy driver: time limits and limit hits')

Safety("a step over its own timeout fails naming it, exit 1, and the instance is destroyed", async () => {
  const p = new DummyProject(project(`      steps:
        - run: echo first
        - run: sleep 60000
          timeout: 300ms`))
  try {
    const started = Date.now()
    const r = await p.run('test')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.ok(Date.now() - started < 20_000, 'the step was not stopped at its limit')
    assert.match(r.stdout, "step `sleep 60000` ran over its time limit of 300ms (set by the step's `timeout:` (galley.yml:10)) and was killed with every process it started")
    assert.is(p.state('web-bb'), 'created', 'a failed instance is kept by --destroy passing')
    const again = await p.run('test', '--destroy', 'always')
    assert.is(again.code, 1)
    assert.equal(p.containers(), [])
    assert.is(p.state('web-bb'), undefined)
  } finally {
    p.remove()
  }
})

Safety('--timeout overrides the suite\'s provisioner.timeout but not a step\'s own', async () => {
  const p = new DummyProject(project(`      timeout: 1h
      steps:
        - run: sleep 1500`))
  try {
    const r = await p.run('converge', '--timeout', '200ms')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, 'ran over its time limit of 200ms (set by --timeout)')
    const bad = await p.run('converge', '--timeout', 'soon')
    assert.is(bad.code, 2)
    assert.match(bad.stderr, '--timeout soon is not a duration')
  } finally {
    p.remove()
  }
  const own = new DummyProject(project(`      steps:
        - run: sleep 600
          timeout: 10s`))
  try {
    const ok = await own.run('converge', '--timeout', '100ms')
    assert.is(ok.code, 0, ok.stdout + ok.stderr)
  } finally {
    own.remove()
  }
})

Safety('a test over the verifier\'s timeout fails naming it', async () => {
  const p = new DummyProject(project('      steps: [{run: echo ok}]', '        - {name: slow, run: sleep 60000}\n      timeout: 250ms\n'))
  try {
    const r = await p.run('test', '--destroy', 'always')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, 'test `slow` ran over its time limit of 250ms (set by verifier.timeout (galley.yml:13))')
    assert.equal(p.containers(), [])
  } finally {
    p.remove()
  }
})

Safety('a step that hits the pids limit fails even with exit 0, says how to raise it, and is not cached', async () => {
  const p = new DummyProject(project(`      steps:
        - run: echo first
        - run: hit pids
        - run: echo after`))
  try {
    const r = await p.run('converge')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, "step `hit pids` hit the instance's pids limit of 1024 processes (Galley's default): 1 fork was refused; a recipe that needs more can raise it with `driver: {pids: 4096}`")
    const calls = p.calls('web-bb').filter((c) => !c.includes('/proc/'))
    assert.equal(calls.filter((c) => c.startsWith('snapshot')).length, 1, 'only the first step is cached')
    assert.not.ok(calls.some((c) => c.includes('echo after')), 'converge stopped at the failing step')
  } finally {
    p.remove()
  }
})

Safety.run()
