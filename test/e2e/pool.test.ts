/**
 * A pool of real engines: the main dockerd, a second dockerd reached over TCP with TLS, Podman's
 * socket, and the main dockerd again reached over SSH. scripts/setup.sh starts the extra ones
 * (scripts/test-engines.sh); a test that kills the second dockerd starts it again.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DockerDriver} from '../../drivers/docker/driver.js'
import {projectId} from '../../src/lifecycle/instance.js'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, galleyAsync, galleyEnv, PODMAN_SOCKET, repo, stateOf, waitFor} from './cli.js'

const ENGINES = process.env.GALLEY_TEST_ENGINES_DIR ?? '/var/lib/galley-test-engines'
const DOCKER2 = {address: 'tcp://127.0.0.1:23762', tls: path.join(ENGINES, 'tls', 'client'), pidfile: '/run/galley-docker2.pid'}
const SSH = `ssh://root@127.0.0.1:2222?identity=${path.join(ENGINES, 'ssh', 'id_ed25519')}&known_hosts=${path.join(ENGINES, 'ssh', 'known_hosts')}`

const host = {
  docker1: `{name: docker1, host: unix:///var/run/docker.sock, capacity: 1}`,
  docker2: `{name: docker2, host: '${DOCKER2.address}', tls: {cert_path: ${DOCKER2.tls}}, capacity: 1}`,
  podman: `{name: podman, host: 'unix://${PODMAN_SOCKET}', capacity: 1}`,
  ssh: `{name: far, host: '${SSH}'}`,
}

/** A project of `suites` (each one step, one test that the project's files reached it) on the engines named. */
function project(engines: (keyof typeof host)[], suites: string[], step = 'echo made > /tmp/made'): string {
  const list = suites.map((s) => `  - {name: ${s}, provisioner: {steps: [{run: '${step}'}]}, verifier: {tests: [{name: files, run: 'test -f /tmp/galley/galley.yml'}]}}`)
  return `driver:\n  name: docker\n  hosts:\n${engines.map((e) => `    - ${host[e]}`).join('\n')}\nplatforms: [{name: bb, image: {bootstrap: busybox}}]\nsuites:\n${list.join('\n')}\n`
}

const drivers = {
  docker1: () => new DockerDriver(),
  docker2: () => new DockerDriver({socket: `${DOCKER2.address}?tls=verify&ca=${DOCKER2.tls}/ca.pem&cert=${DOCKER2.tls}/cert.pem&key=${DOCKER2.tls}/key.pem`}),
  podman: () => new DockerDriver({socket: PODMAN_SOCKET}),
}

/** The project's containers on each engine (or those named), by name. */
async function held(root: string, engines = Object.keys(drivers) as (keyof typeof drivers)[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {}
  for (const name of engines) out[name] = (await drivers[name]().list({'galley.project': projectId(root)})).map((h) => h.name)
  return out
}

const nothing = {docker1: [], docker2: [], podman: []}

function startDocker2(): void {
  const r = spawnSync('bash', [path.join(repo, 'scripts', 'test-engines.sh'), 'docker2'], {encoding: 'utf8'})
  assert.is(r.status, 0, r.stdout + r.stderr)
}

const Pool = suite('a pool of engines')

Pool('a run over two dockerd and Podman places instances on all three and passes; JUnit and list --json name each engine', async () => {
  const root = makeProject({'galley.yml': project(['docker1', 'docker2', 'podman'], ['a', 'b', 'c'])})
  try {
    const r = galley(root, 'test', '--destroy', 'never', '--junit', 'out.xml')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /a-bb +passed .* docker1\n/)
    const suites = readJunit(path.join(root, 'out.xml')).suites
    assert.equal(suites.map((s) => [s.name, s.properties.engine, s.failures + s.errors]), [['a-bb', 'docker1', 0], ['b-bb', 'docker2', 0], ['c-bb', 'podman', 0]])
    const listed = JSON.parse(galley(root, 'list', '--json').stdout) as {instance: string; engine: string; state: string}[]
    assert.equal(listed.map((i) => [i.instance, i.engine, i.state]), [['a-bb', 'docker1', 'verified'], ['b-bb', 'docker2', 'verified'], ['c-bb', 'podman', 'verified']])
    assert.equal(Object.values(await held(root)).map((names) => names.length), [1, 1, 1])
    // Verified again, an instance goes back to the engine holding its container, not to the first free.
    const v = galley(root, 'verify', 'c-bb', '--junit', 'again.xml')
    assert.is(v.code, 0, v.stdout + v.stderr)
    assert.equal(readJunit(path.join(root, 'again.xml')).suites.map((s) => [s.name, s.properties.engine]), [['c-bb', 'podman']])
    const d = galley(root, 'destroy')
    assert.is(d.code, 0, d.stdout + d.stderr)
    assert.equal(await held(root), nothing)
  } finally {
    galley(root, 'destroy')
    removeProject(root)
  }
})

Pool('a dockerd killed mid-run fails only its instance, exit 3, naming it; the other finishes and nothing stays on it', async () => {
  const root = makeProject({'galley.yml': project(['docker1', 'docker2'], ['a', 'b'], 'sleep 4')})
  try {
    const run = galleyAsync(root, 'test', '--json', 'out.json')
    await waitFor('b-bb to run its step on docker2', () => run.output().includes('[b-bb] step 1/1') && stateOf(root, 'b-bb') === 'created', 120_000)
    process.kill(Number(readFileSync(DOCKER2.pidfile, 'utf8')), 'SIGKILL')
    const code = await run.done
    assert.is(code, 3, run.output())
    const report = JSON.parse(readFileSync(path.join(root, 'out.json'), 'utf8')) as {instances: {instance: string; status: string; engine: string; message?: string}[]}
    const [a, b] = report.instances
    assert.equal([a.instance, a.status, a.engine], ['a-bb', 'passed', 'docker1'])
    assert.equal([b.instance, b.status, b.engine], ['b-bb', 'error', 'docker2'])
    assert.match(b.message!, 'the Docker engine docker2 at tcp://127.0.0.1:23762 (TLS) is not reachable')
    assert.equal(await held(root, ['docker1']), {docker1: []}, 'nothing left on the engine that answered')
    startDocker2()
    const d = galley(root, 'destroy')
    assert.is(d.code, 0, d.stdout + d.stderr)
    assert.equal(await held(root), nothing, 'destroy reaches the engine back up')
  } finally {
    startDocker2()
    galley(root, 'destroy')
    removeProject(root)
  }
})

Pool('a step snapshot on another engine of the pool is copied there, not run again; the cache is per engine', async () => {
  const root = makeProject({'galley.yml': project(['docker1', 'docker2'], ['a'], 'sleep 2')})
  const steps = async (driver: DockerDriver) => new Set((await driver.listSnapshots()).map((s) => s.id))
  const before = {docker1: await steps(drivers.docker1()), docker2: await steps(drivers.docker2())}
  try {
    assert.is(galley(root, 'test').code, 0)
    // The engine listed first gets an instance when both are free: now docker2, which lacks the step.
    writeFileSync(path.join(root, 'galley.yml'), project(['docker2', 'docker1'], ['a'], 'sleep 2'))
    const r = galley(root, 'test', '--json', 'out.json')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /\[a-bb\] copied step snapshot \w+ from docker1 to docker2/)
    const [a] = (JSON.parse(readFileSync(path.join(root, 'out.json'), 'utf8')) as {instances: {engine: string; steps: {status: string}[]}[]}).instances
    assert.equal([a.engine, a.steps.map((s) => s.status)], ['docker2', ['cached']])
  } finally {
    galley(root, 'destroy')
    for (const [name, make] of Object.entries(drivers).slice(0, 2)) {
      const driver = make()
      for (const id of await steps(driver)) if (!before[name as 'docker1' | 'docker2'].has(id)) await driver.removeSnapshot(id)
    }
    removeProject(root)
  }
})

Pool('an engine reached over SSH works like one on this machine: the project is copied in, list and destroy reach it', async () => {
  const root = makeProject({'galley.yml': project(['ssh'], ['a'])})
  try {
    const r = galley(root, 'converge')
    assert.is(r.code, 0, r.stdout + r.stderr)
    const v = galley(root, 'verify', '--junit', 'out.xml')
    assert.is(v.code, 0, v.stdout + v.stderr)
    assert.equal(readJunit(path.join(root, 'out.xml')).suites.map((s) => [s.properties.engine, s.failures]), [['far', 0]])
    const listed = JSON.parse(galley(root, 'list', '--json').stdout) as {engine: string; state: string}[]
    assert.equal(listed.map((i) => [i.engine, i.state]), [['far', 'verified']])
    assert.is((await held(root)).docker1.length, 1, 'the SSH engine is the main dockerd')
    assert.is(galley(root, 'destroy').code, 0)
    assert.equal((await held(root)).docker1, [])
  } finally {
    galley(root, 'destroy')
    removeProject(root)
  }
})

Pool('a single engine named by a Docker context (DOCKER_CONTEXT) is the one a run uses, TLS files included', async () => {
  const root = makeProject({'galley.yml': "platforms: [{name: bb, image: {bootstrap: busybox}}]\nsuites: [{name: a, verifier: {tests: [{run: 'true'}]}}]\n"})
  const config = makeProject({})
  // What `docker context create docker2 --docker host=...,ca=...,cert=...,key=...` writes.
  const id = createHash('sha256').update('docker2').digest('hex')
  mkdirSync(path.join(config, 'contexts', 'meta', id), {recursive: true})
  writeFileSync(path.join(config, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({Name: 'docker2', Metadata: {}, Endpoints: {docker: {Host: DOCKER2.address, SkipTLSVerify: false}}}))
  mkdirSync(path.join(config, 'contexts', 'tls', id, 'docker'), {recursive: true})
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(path.join(DOCKER2.tls, f), path.join(config, 'contexts', 'tls', id, 'docker', f))
  const env = {DOCKER_CONFIG: config, DOCKER_CONTEXT: 'docker2'}
  try {
    const r = galleyEnv(env, 300_000, root, 'test', '--driver', 'docker', '--destroy', 'never', '--junit', 'out.xml')
    assert.is(r.code, 0, r.stdout + r.stderr)
    assert.equal(readJunit(path.join(root, 'out.xml')).suites.map((s) => s.properties.engine), ['docker2'])
    assert.is((await held(root, ['docker2'])).docker2.length, 1)
    assert.is(galleyEnv(env, 120_000, root, 'destroy').code, 0)
    assert.equal(await held(root, ['docker2']), {docker2: []})
  } finally {
    galleyEnv(env, 120_000, root, 'destroy')
    removeProject(root)
    removeProject(config)
  }
})

Pool.run()
