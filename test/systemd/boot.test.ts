import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {spawnSync} from 'node:child_process'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {bootHint, systemdBody} from '../../drivers/docker/systemd.js'
import {lookUpInLayers, missingSystemd} from '../../drivers/lxc/systemd.js'
import {describeDegraded, parseBoot, SystemdBootError, systemdArgv, waitForBoot} from '../../drivers/systemd.js'

const Boot = suite('systemd boot')

Boot("PID 1 is the image's /sbin/init, told on its command line to mask what would fight the engine's network", () => {
  const argv = systemdArgv()
  assert.is(argv[0], '/sbin/init')
  assert.ok(argv.includes('systemd.mask=systemd-networkd.service'))
  assert.ok(argv.includes('systemd.mask=networking.service'))
  assert.ok(argv.includes('systemd.mask=NetworkManager.service'))
  assert.ok(argv.includes('systemd.mask=systemd-resolved.service'))
})

Boot('the boot report: running, or degraded with the failed units named', () => {
  assert.equal(parseBoot('state running\n'), {state: 'running', failed: []})
  const degraded = parseBoot('state degraded\nfoo.service loaded failed failed Foo\n● bar@1.service loaded failed failed Bar\n')
  assert.equal(degraded, {state: 'degraded', failed: ['foo.service', 'bar@1.service']})
  assert.is(describeDegraded(degraded), 'systemd booted degraded: failed foo.service, bar@1.service')
})

Boot('waitForBoot accepts running and degraded, and fails on any other state or when time is up', async () => {
  const says = (out: string) => async (_argv: string[], onStdout: (b: Buffer) => void) => (onStdout(Buffer.from(out)), 0)
  assert.is((await waitForBoot(says('state degraded\nx.service loaded failed failed X\n'), 'i')).state, 'degraded')
  try {
    await waitForBoot(says('state maintenance\n'), 'i')
    assert.unreachable()
  } catch (error) {
    assert.instance(error, SystemdBootError)
    assert.match((error as Error).message, /systemctl is-system-running says maintenance/)
  }
  try {
    await waitForBoot(() => new Promise(() => {}), 'slow', undefined, 50)
    assert.unreachable()
  } catch (error) {
    assert.instance(error, SystemdBootError)
    assert.match((error as Error).message, /did not finish booting within 0.05 s/)
  }
})

Boot('Docker and Podman: unprivileged, the name=systemd hierarchy on cgroup v1, a private cgroup namespace on v2', () => {
  const docker = systemdBody({podman: false, cgroupVersion: 1})
  assert.equal(docker.Cmd, systemdArgv())
  assert.is(docker.StopSignal, 'SIGRTMIN+3')
  assert.equal(docker.HostConfig.Binds, ['/sys/fs/cgroup/systemd:/sys/fs/cgroup/systemd:rw'])
  assert.is(docker.HostConfig.CgroupnsMode, 'host')
  assert.is(docker.HostConfig.Init, false)
  assert.equal(Object.keys(docker.HostConfig.Tmpfs ?? {}), ['/run', '/run/lock'])
  assert.not.ok('Privileged' in docker.HostConfig)
  // Podman on v1: started through a shell, so its systemd mode puts no tmpfs on /tmp.
  const podman = systemdBody({podman: true, cgroupVersion: 1})
  assert.equal(podman.Cmd.slice(0, 4), ['/bin/sh', '-c', 'exec "$@"', 'sh'])
  assert.equal(podman.Env, ['container=podman'])
  const v2 = systemdBody({podman: true, cgroupVersion: 2})
  assert.equal(v2.Cmd, systemdArgv())
  assert.is(v2.HostConfig.CgroupnsMode, 'private')
  assert.is(v2.HostConfig.Binds, undefined)
  assert.match(bootHint({podman: false, cgroupVersion: 2}, false), /privileged: true/)
  assert.match(bootHint({podman: false, cgroupVersion: 1}, false), /boots systemd on its own/)
})

Boot('LXC: systemd is looked up through the layers as the container sees them: symlinks, usr-merge and deletions', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-layers-'))
  try {
    const [top, base] = [path.join(dir, 'top'), path.join(dir, 'base')]
    mkdirSync(path.join(base, 'usr/lib/systemd'), {recursive: true})
    mkdirSync(path.join(base, 'usr/sbin'), {recursive: true})
    writeFileSync(path.join(base, 'usr/lib/systemd/systemd'), '')
    symlinkSync('usr/lib', path.join(base, 'lib'))
    symlinkSync('usr/sbin', path.join(base, 'sbin'))
    symlinkSync('/lib/systemd/systemd', path.join(base, 'usr/sbin/init'))
    mkdirSync(top)
    assert.equal(missingSystemd([top, base]), [])
    assert.ok(lookUpInLayers([top, base], '/sbin/init')?.isFile())
    assert.equal(missingSystemd([path.join(dir, 'none')]), ['/sbin/init', '/lib/systemd/systemd'])
    // A whiteout (a 0/0 character device) in a layer above deletes what is below.
    if (process.getuid?.() === 0) {
      mkdirSync(path.join(top, 'usr/lib/systemd'), {recursive: true})
      assert.is(spawnSync('mknod', [path.join(top, 'usr/lib/systemd/systemd'), 'c', '0', '0']).status, 0)
      assert.equal(missingSystemd([top, base]), ['/sbin/init', '/lib/systemd/systemd'])
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})

Boot.run()
