/**
 * The LXC driver's cgroup housekeeping on this host: which cgroup version it runs, moving Galley
 * back out of the cgroups liblxc moves it into, and removing the empty cgroups liblxc leaves.
 */
import {existsSync, readdirSync, readFileSync, rmdirSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

/** The host's cgroup version: 2 when the unified hierarchy is mounted at the root. */
export function cgroupVersion(): 1 | 2 {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1
}

/** liblxc names a container's cgroup lxc.payload.<name> (with a -N suffix when that name was taken). */
export const isPayloadOf = (name: string) => (component: string) => component === `lxc.payload.${name}` || new RegExp(`^lxc\\.payload\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`).test(component)

/** Every cgroup hierarchy's root on this host (v1 controllers, and the unified one). */
function cgroupRoots(): string[] {
  if (cgroupVersion() === 2) return ['/sys/fs/cgroup']
  return readdirSync('/sys/fs/cgroup', {withFileTypes: true})
    .filter((e) => e.isDirectory() && existsSync(path.join('/sys/fs/cgroup', e.name, 'cgroup.procs')))
    .map((e) => path.join('/sys/fs/cgroup', e.name))
}

/**
 * liblxc leaves its monitor's (and sometimes the payload's) empty cgroups behind on cgroup v1 hosts;
 * a run of hundreds of instances would leave hundreds. Removes those of the named containers that
 * are empty (rmdir refuses a cgroup that still has processes).
 */
function removeEmptyCgroups(names: string[]): number {
  if (names.length === 0) return 0
  const wanted = new Set(names)
  let removed = 0
  for (const root of cgroupRoots()) {
    for (const entry of readdirSync(root)) {
      const m = /^lxc\.(?:monitor|payload)\.(.+?)(?:-\d+)?$/.exec(entry)
      if (!m || !(wanted.has(m[1]) || wanted.has(entry.replace(/^lxc\.(monitor|payload)\./, '')))) continue
      try {
        rmdirSync(path.join(root, entry))
        removed++
      } catch {
        // Not empty yet, or already gone.
      }
    }
  }
  return removed
}

/**
 * Where this process sits in each cgroup hierarchy: mount point → path. liblxc moves the process
 * that starts a container into that container's monitor cgroup; Galley moves itself back, so the
 * monitor cgroup empties (and can go) when the container stops.
 */
export function readOwnCgroups(): Map<string, string> {
  const paths = new Map<string, string>()
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const [, controllers, p] = line.split(':')
    paths.set(controllers, p)
  }
  const out = new Map<string, string>()
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n')) {
    const [pre, post] = line.split(' - ')
    const [fstype, , options] = post?.split(' ') ?? []
    const mountPoint = pre.split(' ')[4]
    if (fstype === 'cgroup2' && paths.has('')) out.set(mountPoint, paths.get('')!)
    if (fstype !== 'cgroup') continue
    for (const [controllers, p] of paths) {
      if (controllers && controllers.split(',').every((c) => options.split(',').includes(c))) out.set(mountPoint, p)
    }
  }
  return out
}

/**
 * Moves this process back into the cgroups `readOwnCgroups` found it in. Each write migrates every
 * thread of the process, a few milliseconds per hierarchy while containers start beside it, so
 * the writes run on libuv's pool rather than on the event loop.
 */
export async function returnToCgroups(home: Map<string, string>): Promise<void> {
  await Promise.all(
    [...home].map(([mountPoint, p]) =>
      writeFile(path.join(mountPoint, p, 'cgroup.procs'), String(process.pid)).catch(() => {
        // A hierarchy we may not write to: then liblxc did not move us there either.
      }),
    ),
  )
}

/** Sweepers whose stopped containers' cgroups are swept once more as the process exits. */
const sweepAtExit = new Set<StaleCgroups>()

/** Containers stopped by this process whose empty cgroups could not be removed yet. */
export class StaleCgroups {
  private readonly names = new Set<string>()

  constructor() {
    sweepAtExit.add(this)
    if (sweepAtExit.size === 1) process.once('exit', () => sweepAtExit.forEach((s) => s.sweep()))
  }

  /** Notes a stopped container and removes its cgroups if they are empty already. */
  add(name: string): void {
    this.names.add(name)
    this.sweep()
  }

  /** Removes the empty cgroups of the containers noted; the monitor may take a moment to exit. */
  sweep(): void {
    if (this.names.size === 0) return
    removeEmptyCgroups([...this.names])
    for (const name of this.names) if (!cgroupRoots().some((r) => existsSync(path.join(r, `lxc.monitor.${name}`)))) this.names.delete(name)
  }
}
