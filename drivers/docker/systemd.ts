/**
 * What a Docker or Podman container needs to boot the image's systemd without --privileged, on
 * this host's cgroup version:
 * - cgroup v1 (or hybrid): the host's name=systemd hierarchy bound read-write at its own path,
 *   with the host's cgroup namespace, so systemd finds its own cgroup there (/docker/<id>) and
 *   builds its tree under it. Only that controller-less hierarchy is writable, not the host's
 *   controllers (a bind of all of /sys/fs/cgroup would make every one writable).
 * - cgroup v2: a private cgroup namespace. Podman's own systemd mode (it switches on for
 *   /sbin/init) mounts the namespace's cgroup tree writable; Docker mounts it read-only unless the
 *   container is privileged.
 * Both: /run and /run/lock as tmpfs (systemd may not mount them itself), no engine init in front
 * of it, and SIGRTMIN+3, systemd's halt, as the stop signal.
 */
import type Docker from 'dockerode'
import {systemdArgv} from '../systemd.js'

export interface EngineKind {
  podman: boolean
  cgroupVersion: 1 | 2
}

/** The parts of the create body that differ for systemd as PID 1. */
export interface SystemdBody {
  Cmd: string[]
  Env: string[]
  StopSignal: string
  // CgroupnsMode is Engine API 1.41; dockerode's types do not have it yet.
  HostConfig: Pick<Docker.HostConfig, 'Init' | 'Tmpfs' | 'Binds'> & {CgroupnsMode: 'host' | 'private'}
}

export function systemdBody(engine: EngineKind): SystemdBody {
  const argv = systemdArgv()
  return {
    // On cgroup v1 Podman's systemd mode would also put a tmpfs on /tmp, so that files there are in
    // no snapshot; started through a shell, systemd boots the same without it, as on Docker and LXC.
    Cmd: engine.podman && engine.cgroupVersion === 1 ? ['/bin/sh', '-c', 'exec "$@"', 'sh', ...argv] : argv,
    Env: [`container=${engine.podman ? 'podman' : 'docker'}`],
    StopSignal: 'SIGRTMIN+3',
    HostConfig: {
      Init: false,
      Tmpfs: {'/run': 'rw,nosuid,nodev,mode=755', '/run/lock': 'rw,nosuid,nodev,noexec,mode=1777'},
      ...(engine.cgroupVersion === 1 ? {Binds: ['/sys/fs/cgroup/systemd:/sys/fs/cgroup/systemd:rw'], CgroupnsMode: 'host' as const} : {CgroupnsMode: 'private' as const}),
    },
  }
}

/** Why systemd may not have booted, beyond what it said: Docker's read-only cgroup tree on v2. */
export function bootHint(engine: EngineKind, privileged: boolean): string {
  if (engine.cgroupVersion === 2 && !engine.podman && !privileged) {
    return 'On a cgroup v2 host Docker mounts /sys/fs/cgroup read-only in unprivileged containers, so systemd cannot make its cgroups: set driver: {privileged: true} on this platform, or use Podman or LXC.'
  }
  return 'Check that the image boots systemd on its own (its console above says how far it got); --debug shows the whole cause.'
}
