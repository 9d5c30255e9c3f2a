/**
 * A container of an engine on this machine, as the host sees it: its cgroups (found from its init
 * process's /proc/<pid>/cgroup), the counters that say whether its limits were hit, and killing the
 * processes of one command from outside. The LXC and Docker drivers share it.
 *
 * Killing from outside is the one way that works whatever the command did: a fork bomb leaves no
 * room to start a killer inside, and a command's leader may have exited while its children run on.
 * The drivers mark each command they may have to kill with a random token in its environment
 * (EXEC_MARK), which every process it starts inherits, and kill by that mark (and, on Docker and
 * Podman, by the command's session) while the container is frozen, so none can fork meanwhile.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import type {LimitCounters} from './driver.js'

/** The environment variable that marks every process of one command: `GALLEY_EXEC=<token>`. */
export const EXEC_MARK = 'GALLEY_EXEC'

/** A container's cgroup directories on this host. */
export interface ContainerCgroups {
  /** Holds the pids limit's counters and the container's processes (v1: the pids hierarchy). */
  pids?: string
  /** Holds the memory limit's counters. */
  memory?: string
}

/** Mount point of each v1 controller (by name) and of the unified hierarchy (''). */
function cgroupMounts(): Map<string, string> {
  const mounts = new Map<string, string>()
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n')) {
    const [pre, post] = line.split(' - ')
    const [fstype, , options] = post?.split(' ') ?? []
    const mountPoint = pre.split(' ')[4]
    if (fstype === 'cgroup2') mounts.set('', mountPoint)
    else if (fstype === 'cgroup') for (const option of options.split(',')) mounts.set(option, mountPoint)
  }
  return mounts
}

/**
 * The cgroups of the container whose init process is `pid` on this host, each cut at the path
 * component `isContainer` accepts (the container's own cgroup, above any that a systemd inside it
 * made). Undefined when the process's cgroups do not name the container (it is not this host's).
 */
export function containerCgroups(pid: number, isContainer: (component: string) => boolean): ContainerCgroups | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
  } catch {
    return undefined
  }
  const mounts = cgroupMounts()
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers')
  const found: ContainerCgroups = {}
  for (const line of text.trim().split('\n')) {
    const [, controllers, rel] = line.split(':')
    const parts = rel.split('/')
    const at = parts.findIndex(isContainer)
    if (at < 0) continue
    const own = parts.slice(0, at + 1).join('/')
    const dir = (controller: string) => mounts.has(controller) && path.join(mounts.get(controller)!, own)
    if (controllers === '' && unified) {
      found.pids = dir('') || undefined
      found.memory = found.pids
    }
    for (const c of controllers.split(',')) if (c === 'pids' || c === 'memory') found[c] = dir(c) || undefined
  }
  return found.pids || found.memory ? found : undefined
}

/** `dir` and every cgroup below it. */
function subtree(dir: string): string[] {
  const out = [dir]
  try {
    for (const e of readdirSync(dir, {withFileTypes: true})) if (e.isDirectory()) out.push(...subtree(path.join(dir, e.name)))
  } catch {
    // Removed meanwhile.
  }
  return out
}

/** The sum of `key`'s values in `file` over the subtree: a count that only grows while the container lives. */
function sumOver(dir: string | undefined, files: string[], key: string): number {
  if (!dir) return 0
  let total = 0
  for (const d of subtree(dir)) {
    for (const f of files) {
      try {
        const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(path.join(d, f), 'utf8'))
        if (m) total += Number(m[1])
        break
      } catch {
        // Not in this cgroup version; try the next name.
      }
    }
  }
  return total
}

/** How often the container's limits were hit since it started: forks refused, processes killed for memory. */
export function readLimitCounters(cgroups: ContainerCgroups): LimitCounters {
  return {
    pids: sumOver(cgroups.pids, ['pids.events'], 'max'),
    // v2 counts OOM kills in memory.events; v1 in memory.oom_control (memory.failcnt also counts mere reclaim).
    memory: sumOver(cgroups.memory, ['memory.events', 'memory.oom_control'], 'oom_kill'),
  }
}

/** The processes in the container's cgroups, by their pid on this host. */
function processesOf(cgroups: ContainerCgroups): number[] {
  const dir = cgroups.pids ?? cgroups.memory!
  const pids: number[] = []
  for (const d of subtree(dir)) {
    try {
      for (const p of readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.push(Number(p))
    } catch {
      // Removed meanwhile.
    }
  }
  return pids
}

/** The session a process belongs to (field 6 of /proc/<pid>/stat, after the command name in parentheses). */
function sessionOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3])
  } catch {
    return undefined
  }
}

function carriesMark(pid: number, token: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`).includes(`${EXEC_MARK}=${token}\0`)
  } catch {
    return false
  }
}

/**
 * Sends SIGKILL to every process in the container's cgroups that carries the command's mark in its
 * environment or belongs to `session` (a host pid). Call it while the container is frozen, so that
 * none forks meanwhile; a process that is only ever in the container's cgroups cannot be another of
 * this host's. Returns how many it killed.
 */
export function killMarked(cgroups: ContainerCgroups, token: string, session?: number): number {
  let killed = 0
  for (const pid of processesOf(cgroups)) {
    if (!((session !== undefined && session > 0 && sessionOf(pid) === session) || carriesMark(pid, token))) continue
    try {
      process.kill(pid, 'SIGKILL')
      killed++
    } catch {
      // Gone already.
    }
  }
  return killed
}

/**
 * A shell script that kills, from inside the container, the processes carrying the mark given as
 * its first argument: for an engine whose host this is not. It cannot help when the container has
 * no room left to start it (a fork bomb at its pids limit); the instance's teardown ends those.
 */
export const KILL_MARKED_INSIDE = `for round in 1 2 3; do for p in /proc/[0-9]*; do case "$(tr '\\0' '\\n' < "$p/environ" 2>/dev/null)" in *"${EXEC_MARK}=$1"*) kill -9 "\${p#/proc/}" 2>/dev/null ;; esac; done; done; true`
