/**
 * systemd as PID 1 in another tool's container settings, as both importers read them: a command
 * that starts an init (Molecule's `command`, kitchen-docker's `run_command`, kitchen-dokken's
 * `pid_one_command`) becomes `init: systemd`, and `privileged: true` written for it becomes
 * `driver: {privileged: true}` only where Galley's engines need it to boot systemd.
 */
import {cgroupVersion} from '../../drivers/lxc/cgroups.js'
import type {DriverName} from '../config/types.js'

/** /sbin/init, /usr/sbin/init, /lib/systemd/systemd, /usr/lib/systemd/systemd, /bin/systemd, with or without arguments. */
const INIT_COMMAND = /^(?:\/usr)?(?:\/s?bin\/init|\/lib\/systemd\/systemd|\/bin\/systemd)(?:\s|$)/

/** Whether a container's command boots an init system rather than running a program as PID 1. */
export function isInitCommand(command: string): boolean {
  return INIT_COMMAND.test(command.trim())
}

/** Where the imported galley.yml is meant to run, as far as the import can tell. */
export interface TargetHost {
  /** This host's cgroup version (the engine's, for a local one). */
  cgroupVersion: 1 | 2
  /** lxc with --driver lxc; podman when the imported file names Podman; docker otherwise. */
  engine: 'lxc' | 'docker' | 'podman'
}

/** The host an import writes for: `--driver`, the engine the imported file names, and this host's cgroup version unless given. */
export function targetHost(driver: DriverName | undefined, named: 'docker' | 'podman', version?: 1 | 2): TargetHost {
  return {cgroupVersion: version ?? cgroupVersion(), engine: driver === 'lxc' ? 'lxc' : named}
}

/**
 * What `privileged: true` written for a container that boots systemd becomes: kept only where the
 * engine cannot boot systemd without it, which is Docker on a cgroup v2 host (it mounts the cgroup
 * tree read-only in unprivileged containers); said why either way.
 */
export function systemdPrivilege(host: TargetHost): {keep: boolean; reason: string} {
  const v2 = 'on a cgroup v2 host Docker needs driver: {privileged: true} for systemd'
  if (host.engine === 'lxc') return {keep: false, reason: `not needed: LXC boots the image's systemd unprivileged (--driver lxc; ${v2})`}
  if (host.engine === 'podman') return {keep: false, reason: `not needed: Podman boots the image's systemd unprivileged (${v2})`}
  if (host.cgroupVersion === 1) return {keep: false, reason: `not needed: Galley boots the image's systemd unprivileged on this cgroup v1 host, with its own cgroup writable (${v2})`}
  return {
    keep: true,
    reason: 'became driver: {privileged: true}: on this cgroup v2 host Docker mounts the cgroup tree read-only in unprivileged containers, and systemd must write it (Podman and LXC boot it unprivileged)',
  }
}

/** Why `privileged: true` on a container that does not boot systemd is not carried over. */
export const PRIVILEGE_WITHOUT_SYSTEMD =
  "not carried over: this platform does not boot systemd, the one need of a privileged container Galley can tell; if the recipes need one, set driver: {privileged: true} on the platform (Docker and Podman)"
