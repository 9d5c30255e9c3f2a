/**
 * Freezing a container while something is done to it from outside: its upper directory copied for
 * a step snapshot, or one command's processes killed. On cgroup v1, liblxc's freeze writes FROZEN
 * and then polls the state once a second: a container that is not frozen at the first look (a
 * process just exiting, a fork bomb) cost a whole second each time. Galley writes the freezer's
 * state file itself and polls every millisecond or two. On cgroup v2 liblxc's own freeze waits on
 * the cgroup's events and is used as it is.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import path from 'node:path'
import {cgroupVersion, isPayloadOf} from './cgroups.js'
import * as lxc from './ffi.js'

const FREEZE_TIMEOUT_MS = 10_000

/** Where the v1 freezer hierarchy is mounted, or undefined (cgroup v2, or no freezer). */
function freezerMount(): string | undefined {
  if (cgroupVersion() !== 1) return undefined
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ')
    const [fstype, , options] = post?.split(' ') ?? []
    if (fstype === 'cgroup' && options?.split(',').includes('freezer')) return pre.split(' ')[4]
  }
  return undefined
}

/**
 * The freezer.state file of container `name`, whose init is the process `pid`, on cgroup v1: its
 * own cgroup, above any a systemd inside it made, so that every process in it freezes.
 */
function stateFileOf(pid: number, name: string): string | undefined {
  const mount = freezerMount()
  if (!mount || pid <= 0) return undefined
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
  } catch {
    return undefined
  }
  const line = text.split('\n').find((l) => l.split(':')[1]?.split(',').includes('freezer'))
  const parts = line?.split(':')[2]?.split('/') ?? []
  const at = parts.findIndex(isPayloadOf(name))
  return at < 0 ? undefined : path.join(mount, parts.slice(0, at + 1).join('/'), 'freezer.state')
}

async function freezeV1(file: string, name: string): Promise<void> {
  const until = Date.now() + FREEZE_TIMEOUT_MS
  for (let wait = 1; ; wait = Math.min(wait * 2, 16)) {
    // Writing FROZEN again makes the kernel retry tasks it could not freeze yet.
    writeFileSync(file, 'FROZEN')
    if (readFileSync(file, 'utf8').trim() === 'FROZEN') return
    if (Date.now() > until) {
      writeFileSync(file, 'THAWED')
      throw new lxc.LxcFreezeError('freeze', name, `could not freeze container ${name} within ${FREEZE_TIMEOUT_MS / 1000} s`)
    }
    await sleep(wait)
  }
}

/** Runs `fn` while the container's processes are frozen, and thaws them after, whatever `fn` does. */
export async function whileFrozen<T>(c: lxc.LxcContainerPtr, name: string, fn: () => T | Promise<T>): Promise<T> {
  const file = stateFileOf(lxc.init_pid(c), name)
  if (file) await freezeV1(file, name)
  else await lxc.freeze(c)
  try {
    return await fn()
  } finally {
    if (file) writeFileSync(file, 'THAWED')
    else await lxc.unfreeze(c)
  }
}
