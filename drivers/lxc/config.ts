/**
 * A container's config file, written by Galley rather than by lxc-create: the rootfs as an overlay
 * over the snapshot's layers, a static address on the bridge, cgroup limits, the host folders it
 * mounts and, as PID 1, a small shell loop or the image's systemd; then its start.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import type {Limits} from '../driver.js'
import {systemdArgv} from '../systemd.js'
import {cgroupVersion, returnToCgroups} from './cgroups.js'
import {CONFIG_NAME, UPPER_NAME, writeMeta, type ContainerMeta} from './containers.js'
import * as lxc from './ffi.js'
import type {Bridge} from './network.js'
import {systemdConfig} from './systemd.js'

// PID 1 of `init: none`: reaps orphans (the shell's wait) and exits on SIGTERM.
const KEEPALIVE = ['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 2147483 & wait $!; done']

/** The cgroup settings for the limits, in the keys of this host's cgroup version. */
export function limitConfig(limits: Limits, version: 1 | 2): string[] {
  const lines: string[] = []
  if (version === 1) {
    if (limits.memory) lines.push(`lxc.cgroup.memory.limit_in_bytes = ${limits.memory}`)
    if (limits.cpus) lines.push('lxc.cgroup.cpu.cfs_period_us = 100000', `lxc.cgroup.cpu.cfs_quota_us = ${Math.round(limits.cpus * 100000)}`)
    if (limits.pids) lines.push(`lxc.cgroup.pids.max = ${limits.pids}`)
  } else {
    if (limits.memory) lines.push(`lxc.cgroup2.memory.max = ${limits.memory}`, 'lxc.cgroup2.memory.swap.max = 0')
    if (limits.cpus) lines.push(`lxc.cgroup2.cpu.max = ${Math.round(limits.cpus * 100000)} 100000`)
    if (limits.pids) lines.push(`lxc.cgroup2.pids.max = ${limits.pids}`)
  }
  return lines
}

export interface ContainerSpec {
  /** Galley's instance name, the hostname. */
  instance: string
  bridge: Bridge
  limits: Limits
  mounts: {source: string; target: string}[]
  meta: ContainerMeta
}

/** Each host folder is an overlay of its own, so the container's writes stay in its folder. */
function mountConfig(dir: string, mounts: ContainerSpec['mounts']): string[] {
  return mounts.map((m, i) => {
    const upper = path.join(dir, `mount${i}`)
    mkdirSync(path.join(upper, 'upper'), {recursive: true})
    mkdirSync(path.join(upper, 'work'))
    return `lxc.mount.entry = overlay ${m.target.replace(/^\//, '')} overlay lowerdir=${m.source},upperdir=${upper}/upper,workdir=${upper}/work,create=dir 0 0`
  })
}

/** Fills the container's folder `dir` (made by the caller): its meta, resolv.conf, upper directory and config. */
export function writeContainer(dir: string, spec: ContainerSpec): void {
  const {bridge, meta} = spec
  mkdirSync(path.join(dir, UPPER_NAME))
  writeMeta(dir, meta)
  writeFileSync(path.join(dir, 'resolv.conf'), `nameserver ${bridge.address}\n`)
  const config = [
    'lxc.include = /usr/share/lxc/config/common.conf',
    `lxc.uts.name = ${spec.instance.slice(0, 63)}`,
    // Leftmost lower is the top: the newest step layer, down to the base image.
    `lxc.rootfs.path = overlay:${meta.lowers.join(':')}:${path.join(dir, UPPER_NAME)}`,
    'lxc.autodev = 1',
    // As Docker does: Python's multiprocessing (Ansible's workers) needs a /dev/shm.
    'lxc.mount.entry = tmpfs dev/shm tmpfs rw,nosuid,nodev,mode=1777,create=dir 0 0',
    'lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed',
    `lxc.mount.entry = ${path.join(dir, 'resolv.conf')} etc/resolv.conf none bind,create=file 0 0`,
    'lxc.apparmor.profile = unconfined',
    'lxc.net.0.type = veth',
    `lxc.net.0.link = ${bridge.name}`,
    'lxc.net.0.flags = up',
    `lxc.net.0.ipv4.address = ${meta.address}/${bridge.prefix}`,
    'lxc.net.0.ipv4.gateway = auto',
    `lxc.log.file = ${path.join(dir, 'lxc.log')}`,
    'lxc.log.level = WARN',
    ...limitConfig(spec.limits, cgroupVersion()),
    ...mountConfig(dir, spec.mounts),
    ...(meta.init === 'systemd' ? systemdConfig(dir, spec.instance.slice(0, 63)) : []),
  ]
  writeFileSync(path.join(dir, CONFIG_NAME), config.join('\n') + '\n')
}

/**
 * Starts the container with its init (the keep-alive loop, or systemd), then moves this process
 * back into `home`, its own cgroups (liblxc moved it into the container's monitor cgroup).
 */
export async function startContainer(name: string, lxcpath: string, home: Map<string, string>, init: ContainerMeta['init']): Promise<void> {
  try {
    await lxc.withContainer(name, lxcpath, async (c) => {
      // liblxc refuses a non-daemonized start from a multithreaded process.
      lxc.want_daemonize(c, true)
      await lxc.start(c, 0, init === 'systemd' ? systemdArgv() : KEEPALIVE)
    })
  } finally {
    await returnToCgroups(home)
  }
}
