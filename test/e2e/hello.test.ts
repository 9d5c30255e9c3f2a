import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DockerDriver} from '../../drivers/docker/driver.js'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {bin, galley, galleyAsync, galleyEnv, galleyWithin, leftovers, PODMAN_SOCKET, repo, stateOf, waitFor} from './cli.js'

const BUSYBOX = `platforms:
  - name: bb
    image: {bootstrap: busybox}
`

const E2e = suite('galley CLI on LXC')

E2e('suites/hello passes: exit 0, a JUnit file with every case, nothing left behind', async () => {
  const root = path.join(repo, 'suites', 'hello')
  rmSync(path.join(root, '.galley'), {recursive: true, force: true})
  const r = galley(root, 'test')
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /2 of 2 instances passed/)
  const report = readJunit(path.join(root, '.galley', 'junit.xml'))
  assert.equal(report.suites.map((s) => [s.name, s.tests, s.failures]), [['hello-busybox', 5, 0], ['web-busybox', 3, 0]])
  assert.equal(report.suites[0].properties, {platform: 'busybox', suite: 'hello', driver: 'lxc', image: 'busybox'})
  assert.equal(await leftovers(root), [])
  assert.ok(existsSync(path.join(root, '.galley', 'logs', 'hello-busybox.log')))
})

E2e('suites/hello gives the same results on --driver docker, and leaves no container there either', async () => {
  const root = path.join(repo, 'suites', 'hello')
  const r = galley(root, 'test', '--driver', 'docker')
  assert.is(r.code, 0, r.stdout + r.stderr)
  const report = readJunit(path.join(root, '.galley', 'junit.xml'))
  assert.equal(report.suites.map((s) => [s.name, s.tests, s.failures, s.properties.driver]), [['hello-busybox', 5, 0, 'docker'], ['web-busybox', 3, 0, 'docker']])
  assert.equal(await leftovers(root, 'docker'), [])
})

E2e('suites/hello gives the same results on Podman through its Docker-compatible socket', async () => {
  const root = path.join(repo, 'suites', 'hello')
  const onPodman = {DOCKER_HOST: `unix://${PODMAN_SOCKET}`}
  const r = galleyEnv(onPodman, 300_000, root, 'test', '--driver', 'docker')
  assert.is(r.code, 0, r.stdout + r.stderr)
  const report = readJunit(path.join(root, '.galley', 'junit.xml'))
  assert.equal(report.suites.map((s) => [s.name, s.tests, s.failures]), [['hello-busybox', 5, 0], ['web-busybox', 3, 0]])
  assert.equal(await leftovers(root, 'podman'), [])
})

E2e('a platform may name an engine image on Docker; auto runs it there, and a missing one is an engine error', async () => {
  const engine = new DockerDriver()
  const base = await engine.ensureImage({bootstrap: 'busybox'})
  await engine.engine.api.getImage(base.id).tag({repo: 'galley-e2e/busybox', tag: '1'})
  const root = makeProject({
    'galley.yml': `platforms:\n  - {name: tagged, image: galley-e2e/busybox:1}\n  - {name: absent, image: galley-e2e/absent:1}\nsuites:\n  - {name: s, verifier: {tests: [{name: busybox, run: 'busybox true'}]}}\n`,
  })
  try {
    const r = galley(root, 'test')
    assert.is(r.code, 3, r.stdout + r.stderr)
    const report = readJunit(path.join(root, '.galley', 'junit.xml'))
    const tagged = report.suites.find((s) => s.name === 's-tagged')!
    assert.equal([tagged.tests, tagged.failures, tagged.errors, tagged.properties.driver, tagged.properties.image], [1, 0, 0, 'docker', 'galley-e2e/busybox:1'])
    assert.match(r.stdout, /image galley-e2e\/absent:1 is not in the engine and could not be pulled/)
    assert.equal(await leftovers(root, 'docker'), [])
  } finally {
    galley(root, 'destroy')
    await engine.engine.api.getImage('galley-e2e/busybox:1').remove().catch(() => {})
    removeProject(root)
  }
})

E2e('failing steps and tests: exit 1, failure messages in JUnit, the failed instance kept then destroyed', async () => {
  const root = makeProject({
    'galley.yml': `${BUSYBOX}suites:
  - name: good
    provisioner: {steps: [{run: 'echo fine'}]}
    verifier: {tests: [{name: ok, run: 'true'}]}
  - name: badstep
    provisioner: {steps: [{run: 'echo about to fail; exit 4'}, {run: 'echo never'}]}
    verifier: {tests: [{name: never runs, run: 'true'}]}
  - name: badtest
    verifier:
      tests:
        - {name: wrong file, run: 'test -e /etc/nothing-here'}
        - {name: expected status, run: 'exit 2', exit_status: 2}
`,
  })
  try {
    const r = galley(root, 'test', '--junit', 'out/report.xml')
    assert.is(r.code, 1, r.stdout + r.stderr)
    const report = readJunit(path.join(root, 'out', 'report.xml'))
    assert.is(report.tests, 7)
    assert.is(report.failures, 2)
    const bad = report.suites.find((s) => s.name === 'badstep-bb')!
    assert.is(bad.cases[0].failure?.message, 'step `echo about to fail; exit 4` exited with 4')
    assert.match(bad.cases[0].failure!.text, /about to fail/)
    assert.equal(bad.cases.filter((c) => c.skipped).map((c) => c.name), ['echo never', 'never runs'])
    const tests = report.suites.find((s) => s.name === 'badtest-bb')!
    assert.equal(tests.cases.map((c) => [c.name, Boolean(c.failure)]), [['wrong file', true], ['expected status', false]])
    assert.match(r.stdout, /badstep-bb\s+failed\s+converge/)
    // Failed instances stay for inspection (destroy: passing); passing ones are gone.
    assert.is((await leftovers(root)).length, 2)
    const ex = galley(root, 'exec', 'badstep-bb', '-c', 'echo inside; exit 5')
    assert.is(ex.code, 5)
    assert.is(ex.stdout, 'inside\n')
    const d = galley(root, 'destroy')
    assert.is(d.code, 0, d.stderr)
    assert.equal(await leftovers(root), [])
  } finally {
    galley(root, 'destroy')
    removeProject(root)
  }
})

E2e('a broken config exits 2 with file:line:col, no stack trace, and creates nothing', async () => {
  const root = makeProject({'galley.yml': `${BUSYBOX}suites:\n  - name: s\n    provisoner: {steps: [{run: 'true'}]}\n`})
  try {
    const r = galley(root, 'test')
    assert.is(r.code, 2)
    assert.is(r.stderr.trim().split('\n')[0], 'Error: galley.yml:6:5: unknown key `provisoner` in galley.yml.suites[0] — did you mean `provisioner`?')
    assert.not.match(r.stderr, /\n\s+at /)
    assert.not.ok(existsSync(path.join(root, '.galley')))
    assert.equal(await leftovers(root), [])
  } finally {
    removeProject(root)
  }
})

E2e('kill -9 in the middle of a converge, then galley destroy, leaves no container', async () => {
  const root = makeProject({'galley.yml': `${BUSYBOX}suites:\n  - name: slow\n    provisioner: {steps: [{run: 'sleep 60'}]}\n`})
  try {
    const run = galleyAsync(root, 'test')
    await waitFor('the converge to start', () => run.output().includes('step 1/1'))
    run.kill('SIGKILL')
    await run.done
    assert.is((await leftovers(root)).length, 1)
    const list = galley(root, 'list', '--json')
    assert.is(JSON.parse(list.stdout)[0].state, 'created')
    const d = galley(root, 'destroy')
    assert.is(d.code, 0, d.stderr)
    assert.equal(await leftovers(root), [])
    assert.is(stateOf(root, 'slow-bb'), undefined)
  } finally {
    galley(root, 'destroy')
    removeProject(root)
  }
})

E2e('Ctrl-C tears down what the run created, writes JUnit and exits 130', async () => {
  const root = makeProject({'galley.yml': `${BUSYBOX}suites:\n  - name: a\n    provisioner: {steps: [{run: 'sleep 60'}]}\n  - name: b\n    provisioner: {steps: [{run: 'sleep 60'}]}\n`})
  try {
    const run = galleyAsync(root, 'test')
    await waitFor('both converges to start', () => (run.output().match(/step 1\/1/g) ?? []).length === 2)
    run.kill('SIGINT')
    assert.is(await run.done, 130, run.output())
    assert.equal(await leftovers(root), [])
    const report = readJunit(path.join(root, '.galley', 'junit.xml'))
    assert.is(report.errors, 2)
    assert.equal(JSON.parse(galley(root, 'list', '--json').stdout).map((i: {state: string}) => i.state), ['destroyed', 'destroyed'])
  } finally {
    galley(root, 'destroy')
    removeProject(root)
  }
})

E2e('eight instances at --concurrency 8 converge in parallel without starving each other', async () => {
  const suites = Array.from({length: 8}, (_, i) => `  - {name: p${i}, provisioner: {steps: [{script: step.sh}, {run: 'sleep 0.5'}]}}`).join('\n')
  // The script step makes each converge upload the project while the other instances run.
  const root = makeProject({'galley.yml': `${BUSYBOX}suites:\n${suites}\n`, 'step.sh': 'echo uploaded\n'})
  try {
    const r = galleyWithin(60_000, root, 'converge', '--concurrency', '8')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /8 of 8 instances passed/)
    assert.is((await leftovers(root)).length, 8)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

E2e('login runs a shell in the instance, creating it first; image ls lists the base image and rm refuses one in use', async () => {
  const root = makeProject({'galley.yml': `${BUSYBOX}suites:\n  - name: shell\n`})
  try {
    const r = spawnSync(process.execPath, [bin, 'login', 'shell-bb'], {cwd: root, input: 'echo "in $(hostname)"; exit 3\n', encoding: 'utf8', env: {...process.env, CI: 'true'}})
    assert.is(r.status, 3, r.stderr)
    assert.match(r.stdout, /^in shell-bb$/m)
    const used = JSON.parse(readFileSync(path.join(root, '.galley', 'state', 'shell-bb.json'), 'utf8')).snapshot as string
    const images = JSON.parse(galley(root, 'image', 'ls', '--json').stdout) as {id: string; spec: {bootstrap: string}}[]
    assert.is(images.find((i) => i.id === used)?.spec.bootstrap, 'busybox')
    const rm = galley(root, 'image', 'rm', used)
    assert.is(rm.code, 1)
    assert.match(rm.stderr, /in use by shell-bb-/)
    assert.match(galley(root, 'image', 'build').stdout, /bb: base-[0-9a-f]{16} \(already built\)/)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

E2e('instance names and regular expressions select instances; an unknown one is a usage error', () => {
  const root = path.join(repo, 'suites', 'hello')
  const list = JSON.parse(galley(root, 'list', '--json', '^web').stdout) as {instance: string}[]
  assert.equal(list.map((i) => i.instance), ['web-busybox'])
  const r = galley(root, 'converge', 'nothing-like-this')
  assert.is(r.code, 2)
  assert.match(r.stderr, /no instance matches `nothing-like-this`/)
})

E2e.run()
