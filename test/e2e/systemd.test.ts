import {randomBytes} from 'node:crypto'
import {rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DockerDriver} from '../../drivers/docker/driver.js'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galleyAsync, galleyEnv, leftovers, PODMAN_SOCKET, repo, stateOf} from './cli.js'

type Engine = 'lxc' | 'docker' | 'podman'
const ENGINES: Engine[] = ['lxc', 'docker', 'podman']

/** The platform of suites/systemd-timer, so every test here shares its base image (built once, about a minute). */
const PLATFORM = `image: { bootstrap: debootstrap, release: bookworm, packages: [ca-certificates] }
    init: systemd`

/** Galley on `engine`: Podman through its socket, as a user points the docker driver at it. */
function galleyOn(engine: Engine, cwd: string, ...args: string[]): {code: number; stdout: string; stderr: string} {
  const extra: Record<string, string> = engine === 'podman' ? {DOCKER_HOST: `unix://${PODMAN_SOCKET}`} : {}
  return galleyEnv(extra, 900_000, cwd, ...args, '--driver', engine === 'lxc' ? 'lxc' : 'docker')
}

const dockerOf = (engine: Engine) => new DockerDriver(engine === 'podman' ? {socket: PODMAN_SOCKET} : {})

/** Removes an image promote made: from Galley's LXC store, or from the engine. */
async function removeImage(engine: Engine, root: string, tag: string): Promise<void> {
  if (engine !== 'lxc') {
    await dockerOf(engine).engine.removeImage(tag)
    return
  }
  const images = JSON.parse(galleyOn(engine, root, 'image', 'ls', '--json').stdout) as {id: string; spec: {promoted?: string}}[]
  for (const i of images.filter((x) => x.spec.promoted === tag)) galleyOn(engine, root, 'image', 'rm', i.id)
}

const Systemd = suite('init: systemd end to end')

for (const engine of ENGINES) {
  Systemd(`${engine}: a role's own service and timer converge and verify with systemd as PID 1, unprivileged; promoted, the image boots them`, async () => {
    const root = path.join(repo, 'suites', 'systemd-timer')
    const prefix = `galley-e2e-sysd-${randomBytes(3).toString('hex')}`
    const tag = `${prefix}/greeter-debian-12:1`
    const promoted = makeProject({
      'galley.yml': `platforms:
  - name: promoted
    image: ${tag}
    init: systemd
suites:
  - name: boots
    verifier:
      assert:
        - { service: greeter, running: true, enabled: true }
        - { service: greeter-stamp.timer, running: true, enabled: true }
        - { http: "http://127.0.0.1:8080/", body: hello from systemd, retry: 10 }
`,
    })
    rmSync(path.join(root, '.galley'), {recursive: true, force: true})
    try {
      const r = galleyOn(engine, root, 'test', '--destroy', 'never', '--promote', `${prefix}/{instance}:1`)
      assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
      const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
      assert.equal([s.name, s.tests, s.failures, s.errors], ['greeter-debian-12', 11, 0, 0])
      const seen = galleyOn(engine, root, 'exec', 'greeter-debian-12', '-c', 'cat /proc/1/comm; systemctl is-enabled greeter greeter-stamp.timer; systemctl is-active greeter greeter-stamp.timer')
      assert.equal(seen.stdout.trim().split('\n'), ['systemd', 'enabled', 'enabled', 'active', 'active'], seen.stderr)
      if (engine !== 'lxc') {
        const [name] = await leftovers(root, engine)
        const info = await dockerOf(engine).engine.container(name).inspect()
        assert.is(info.HostConfig.Privileged, false, 'runs unprivileged')
      }
      assert.is(galleyOn(engine, root, 'destroy').code, 0)
      assert.equal(await leftovers(root, engine), [])
      const booted = galleyOn(engine, promoted, 'test')
      assert.is(booted.code, 0, booted.stdout.slice(-3000) + booted.stderr)
    } finally {
      galleyOn(engine, root, 'destroy')
      galleyOn(engine, promoted, 'destroy')
      assert.equal(await leftovers(root, engine), [])
      assert.equal(await leftovers(promoted, engine), [])
      await removeImage(engine, promoted, tag)
      removeProject(promoted)
    }
  })
}

Systemd('lxc: a template change restarts the service through the role\'s handler', async () => {
  const root = path.join(repo, 'suites', 'systemd-timer')
  try {
    assert.is(galleyOn('lxc', root, 'converge').code, 0)
    writeFileSync(path.join(root, 'galley.local.yml'), 'suites:\n  - name: greeter\n    provisioner: {extra_vars: {greeter_message: hello from systemd, greeter_port: 8081}}\n')
    const r = galleyOn('lxc', root, 'converge', '--no-cache')
    assert.is(r.code, 0, r.stdout.slice(-3000) + r.stderr)
    assert.match(r.stdout, /changed: \[greeter-debian-12\][^\n]*\n[\s\S]*RUNNING HANDLER \[greeter : Restart greeter\]/)
    const port = galleyOn('lxc', root, 'exec', 'greeter-debian-12', '-c', "bash -c 'for i in $(seq 50); do (: </dev/tcp/127.0.0.1/8081) 2>/dev/null && exit 0; sleep 0.2; done; exit 1'")
    assert.is(port.code, 0, 'the restarted service listens on the new port')
  } finally {
    rmSync(path.join(root, 'galley.local.yml'), {force: true})
    galleyOn('lxc', root, 'destroy')
    assert.equal(await leftovers(root), [])
  }
})

Systemd('lxc: on Debian 11 and 12, restarting a unit and calling bus-activated helpers are cached; a process left outside the units is not', async () => {
  // The suite's name is in every step's cache key: a new one per run, so no earlier run's snapshot is found.
  const suiteName = `sd${randomBytes(3).toString('hex')}`
  const root = makeProject({
    'galley.yml': `platforms:
  - name: d11
    image: { bootstrap: debootstrap, release: bullseye, packages: [ca-certificates] }
    init: systemd
  - name: d12
    ${PLATFORM}
suites:
  - name: ${suiteName}
    provisioner:
      steps:
        - run: systemctl restart systemd-journald
        - run: timedatectl set-timezone Etc/UTC && hostnamectl && localectl
        - run: nohup sleep 600 >/dev/null 2>&1 &
    verifier: {tests: [{name: the clock is in UTC, run: 'test "$(readlink /etc/localtime)" = /usr/share/zoneinfo/Etc/UTC'}]}
`,
  })
  try {
    const first = galleyOn('lxc', root, 'test')
    assert.is(first.code, 0, first.stdout.slice(-4000) + first.stderr)
    for (const p of ['d11', 'd12']) {
      const notes = first.stdout.split('\n').filter((l) => l.startsWith(`[${suiteName}-${p}] step \``))
      assert.is(notes.length, 1, notes.join('\n'))
      assert.match(notes[0], /^\[\S+\] step `nohup sleep 600 >\/dev\/null 2>&1 &` left processes running outside systemd's units \(sleep pid \d+\); it and the steps after it are not cached$/)
    }
    const again = galleyOn('lxc', root, 'test')
    assert.is(again.code, 0, again.stdout.slice(-4000) + again.stderr)
    for (const p of ['d11', 'd12']) assert.match(again.stdout, new RegExp(`${suiteName}-${p}\\s+passed\\s+3/3 \\(2 cached\\)`))
  } finally {
    galleyOn('lxc', root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

/** Whether the engine can start a privileged container here (a host whose capability bounding set lacks some cannot). */
async function canRunPrivileged(docker: DockerDriver): Promise<boolean> {
  const image = (await docker.ensureImage({bootstrap: 'busybox'})).id
  const c = await docker.engine.createContainer({name: `e2e-priv-${randomBytes(3).toString('hex')}`, Image: image, Cmd: ['/bin/true'], HostConfig: {Privileged: true}})
  try {
    await docker.engine.start(c)
    return true
  } catch {
    return false
  } finally {
    await docker.engine.remove(c)
  }
}

Systemd('docker: a privileged container only when driver.privileged asks for one', async () => {
  const docker = dockerOf('docker')
  if (!(await canRunPrivileged(docker))) {
    console.log('  (skipped: this host cannot run privileged containers at all)')
    return
  }
  const root = makeProject({
    'galley.yml': `platforms:
  - name: sd
    ${PLATFORM}
    driver: {privileged: true}
suites:
  - name: priv
    verifier: {tests: [{name: systemd is PID 1, run: 'test "$(cat /proc/1/comm)" = systemd'}]}
`,
  })
  try {
    assert.is(galleyOn('docker', root, 'test', '--destroy', 'never').code, 0)
    const [name] = await leftovers(root, 'docker')
    assert.is((await docker.engine.container(name).inspect()).HostConfig.Privileged, true)
  } finally {
    galleyOn('docker', root, 'destroy')
    assert.equal(await leftovers(root, 'docker'), [])
    removeProject(root)
  }
})

for (const engine of ENGINES) {
  Systemd(`${engine}: an image without systemd, or whose systemd does not boot, fails create saying why and leaves nothing`, async () => {
    const tag = `galley-e2e-fakesd-${randomBytes(3).toString('hex')}/fake-bb:1`
    const maker = makeProject({
      'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: fake
    provisioner:
      steps:
        - run: mkdir -p /lib/systemd && printf '#!/bin/sh\\necho boom from a systemd that cannot boot\\nexit 3\\n' > /lib/systemd/systemd && chmod +x /lib/systemd/systemd && ln -sf /lib/systemd/systemd /sbin/init
`,
    })
    const user = (image: string) => makeProject({'galley.yml': `platforms: [{name: f, image: ${image}, init: systemd}]\nsuites: [{name: boot}]\n`})
    const none = user('{bootstrap: busybox}')
    const fake = user(tag)
    try {
      const missing = galleyOn(engine, none, 'create')
      assert.is(missing.code, 3)
      assert.match(missing.stdout + missing.stderr, /has no systemd \(\/lib\/systemd\/systemd not found\), so init: systemd cannot boot it/)
      assert.is(galleyOn(engine, maker, 'test', '--promote', `${tag.split('/')[0]}/{instance}:1`).code, 0)
      const failed = galleyOn(engine, fake, 'create')
      assert.is(failed.code, 3)
      assert.match(failed.stdout + failed.stderr, /systemd did not boot in boot-f-\w+: its PID 1 exited[^;]*; its console ended with:\nboom from a systemd that cannot boot/)
      assert.equal(await leftovers(fake, engine), [])
    } finally {
      for (const root of [maker, none, fake]) {
        galleyOn(engine, root, 'destroy')
        assert.equal(await leftovers(root, engine), [])
      }
      await removeImage(engine, maker, tag)
      for (const root of [maker, none, fake]) removeProject(root)
    }
  })
}

for (const engine of ENGINES) {
  Systemd(`${engine}: prune --orphans removes a systemd instance whose run was killed with kill -9 while it booted`, async () => {
    const root = makeProject({
      'galley.yml': `platforms:
  - name: sd
    ${PLATFORM}
    driver: {name: ${engine === 'lxc' ? 'lxc' : 'docker'}${engine === 'podman' ? `, socket: ${PODMAN_SOCKET}` : ''}}
suites:
  - name: boot
`,
    })
    try {
      const run = galleyAsync(root, 'create')
      // Polled from the engine, so the kill lands while systemd boots (create records `created` after boot).
      const until = Date.now() + 120_000
      while ((await leftovers(root, engine)).length === 0) {
        if (Date.now() > until) throw new Error(`no container after 120 s: ${run.output()}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      assert.is(stateOf(root, 'boot-sd'), 'creating', 'killed before boot finished')
      run.kill('SIGKILL')
      await run.done
      assert.is((await leftovers(root, engine)).length, 1, 'kill -9 leaves the container')
      const pruned = galleyOn(engine, root, 'prune', '--orphans')
      assert.is(pruned.code, 0, pruned.stdout + pruned.stderr)
      assert.equal(await leftovers(root, engine), [])
    } finally {
      galleyOn(engine, root, 'destroy')
      assert.equal(await leftovers(root, engine), [])
      removeProject(root)
    }
  })
}

Systemd.run()
