/**
 * What an LXC container's limits counted, and killing one command's processes from the host: the
 * container is frozen (./freezer.ts), its processes that carry the command's mark are killed
 * through its cgroups, and it is thawed.
 */
import type {ContainerHandle, LimitCounters} from '../driver.js'
import {containerCgroups, killMarked, readLimitCounters, type ContainerCgroups} from '../host-cgroups.js'
import {isPayloadOf} from './cgroups.js'
import * as lxc from './ffi.js'
import {whileFrozen} from './freezer.js'

async function cgroupsOf(c: lxc.LxcContainerPtr, name: string): Promise<ContainerCgroups | undefined> {
  const pid = lxc.init_pid(c)
  return pid > 0 ? containerCgroups(pid, isPayloadOf(name)) : undefined
}

/** The container's limit counters; undefined when it is not running. */
export function limitsHitIn(handle: ContainerHandle): Promise<LimitCounters | undefined> {
  return lxc.withContainer(handle.name, String(handle.lxcpath), async (c) => {
    const cgroups = await cgroupsOf(c, handle.name)
    return cgroups && readLimitCounters(cgroups)
  })
}

/**
 * Kills every process of the command marked with `token`: the container frozen meanwhile, so that a
 * fork bomb cannot outrun it. Returns how many were killed.
 */
export function killCommandIn(handle: ContainerHandle, token: string): Promise<number> {
  return lxc.withContainer(handle.name, String(handle.lxcpath), async (c) => {
    if (!(await lxc.is_running_async(c))) return 0
    const cgroups = await cgroupsOf(c, handle.name)
    if (!cgroups) return 0
    return whileFrozen(c, handle.name, () => killMarked(cgroups, token))
  })
}
