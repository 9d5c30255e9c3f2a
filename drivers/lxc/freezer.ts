/**
 * Freezing a container while its upper directory is copied. On cgroup v1, liblxc's freeze writes
 * FROZEN and then polls the state once a second, blocking its caller (here, the event loop): a
 * container that is not frozen at the first look (a process just exiting, say) cost a whole second
 * per step snapshot. Galley writes the freezer's state file itself and polls every millisecond or two.
 * On cgroup v2 liblxc's own freeze waits on the cgroup's events and is used as it is.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import path from 'node:path'
import {cgroupVersion} from './cgroups.js'
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

/** The freezer.state file of the cgroup the process `pid` (a container's init) is in, on cgroup v1. */
function stateFileOf(pid: number): string | undefined {
  const mount = freezerMount()
  if (!mount || pid <= 0) return undefined
  const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.split(':')[1]?.split(',').includes('freezer'))
  return line ? path.join(mount, line.split(':')[2], 'freezer.state') : undefined
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
export async function whileFrozen<T>(c: lxc.LxcContainerPtr, name: string, fn: () => Promise<T>): Promise<T> {
  const file = stateFileOf(lxc.init_pid(c))
  if (file) await freezeV1(file, name)
  else lxc.freeze(c)
  try {
    return await fn()
  } finally {
    if (file) writeFileSync(file, 'THAWED')
    else lxc.unfreeze(c)
  }
}
