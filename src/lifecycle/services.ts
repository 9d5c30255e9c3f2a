/**
 * Whether a step's snapshot would bring back what the step left running. A snapshot holds files,
 * not processes: a container made from it starts with nothing but its init running, and a systemd
 * instance boots, starting the units its files say it wants. So a step may be cached when what it
 * left running would run again after a restore: on `init: none`, nothing new; on `init: systemd`,
 * only units that boot starts (enabled, or wanted or triggered by such a unit), and no process
 * outside systemd's units. The instance's state right after create (or restore) is the baseline.
 */
import type {ContainerHandle, Driver} from '../../drivers/driver.js'
import type {InitSystem} from '../config/types.js'

/** An instance's running services as a step left them; `check` says why they would not survive a restore. */
export interface ServiceWatch {
  /** Why the snapshot of the step that just ran would not bring back what runs now; undefined when it would. */
  check(): Promise<string | undefined>
}

/** The output of a probe: its own pid, the processes (pid, cgroup, name) and, on systemd, the active units. */
interface Probe {
  self: string
  procs: {pid: string; cgroup: string; comm: string}[]
  /** Active units and their sub-state (running, listening, waiting, exited …). */
  units: Map<string, string>
}

const UNIT_KINDS = /\.(service|socket|timer|path)$/
const UNIT_SEGMENT = /\.(slice|scope|service|socket|mount|swap)$/

// One shell, no forks but systemctl: each process with its cgroup in systemd's hierarchy, then the active units.
const PROBE = [
  'echo "self $$"',
  'for p in /proc/[0-9]*; do',
  '  c=; n=',
  '  while IFS= read -r l; do case $l in *:name=systemd:*) c=${l#*:name=systemd:}; break ;; 0::*) c=${l#0::} ;; esac; done 2>/dev/null <"$p/cgroup"',
  '  read -r n 2>/dev/null <"$p/comm"',
  '  echo "proc ${p#/proc/} ${c:-?} $n"',
  'done',
  'if [ "$1" = systemd ]; then echo units; systemctl list-units --state=active --plain --no-legend --no-pager 2>/dev/null; fi',
].join('\n')

/** Reads the probe's output. */
export function parseProbe(out: string): Probe {
  const lines = out.split('\n')
  const self = lines.find((l) => l.startsWith('self '))?.slice(5).trim() ?? ''
  const procs = lines.filter((l) => l.startsWith('proc ')).map((l) => {
    const [, pid, cgroup, ...comm] = l.split(' ')
    return {pid, cgroup, comm: comm.join(' ')}
  })
  const units = new Map<string, string>()
  const at = lines.indexOf('units')
  for (const l of at >= 0 ? lines.slice(at + 1) : []) {
    const [unit, , active, sub] = l.replace(/^[^\w]+/, '').split(/\s+/)
    if (unit && active === 'active') units.set(unit, sub)
  }
  return {self, procs: procs.filter((p) => p.pid !== self), units}
}

/**
 * Processes outside systemd's units: the container's cgroup is where PID 1's init.scope is, and
 * a process in it but not in a unit under it (a step's exec, a daemon a step forked) was started
 * by something other than systemd.
 */
export function outsideUnits(probe: Probe): Probe['procs'] {
  const init = probe.procs.find((p) => p.pid === '1')?.cgroup
  if (!init || init === '?') return []
  const root = init.replace(/\/[^/]*$/, '')
  return probe.procs.filter((p) => {
    if (p.pid === '1') return false
    if (!p.cgroup.startsWith(root + '/')) return true
    return !UNIT_SEGMENT.test(p.cgroup.slice(root.length + 1).split('/')[0])
  })
}

/** `systemctl show` of some units: each unit's file state and the units that want, need or trigger it. */
export function parseShow(out: string): Map<string, {state: string; wanters: string[]}> {
  const units = new Map<string, {state: string; wanters: string[]}>()
  for (const block of out.split(/\n\s*\n/)) {
    const props = new Map(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const))
    const id = props.get('Id')
    if (!id) continue
    const wanters = ['WantedBy', 'RequiredBy', 'TriggeredBy', 'BoundBy'].flatMap((k) => (props.get(k) ?? '').split(/\s+/).filter(Boolean))
    units.set(id, {state: props.get('UnitFileState') ?? '', wanters})
  }
  return units
}

/** Units a step started that boot would not start, and units it stopped that boot would start again. */
export function judgeUnits(before: Map<string, string>, after: Map<string, string>, shown: Map<string, {state: string; wanters: string[]}>): {started: string[]; stopped: string[]} {
  const added = [...after.keys()].filter((u) => !before.has(u))
  // Boot starts a unit that a unit active at boot wants, needs or triggers; a unit enabled only
  // for this boot (in /run) is not in the snapshot.
  const booted = new Set<string>()
  for (let grew = true; grew; ) {
    grew = false
    for (const u of added) {
      const info = shown.get(u)
      if (booted.has(u) || !info || info.state === 'enabled-runtime') continue
      if (info.wanters.some((w) => before.has(w) || booted.has(w))) {
        booted.add(u)
        grew = true
      }
    }
  }
  const judged = (u: string, sub: string | undefined) => UNIT_KINDS.test(u) && (!u.endsWith('.service') || sub === 'running')
  const started = added.filter((u) => judged(u, after.get(u)) && !booted.has(u))
  const stopped = [...before.keys()].filter((u) => before.get(u) === 'running' && after.get(u) !== 'running' && shown.get(u)?.state === 'enabled')
  return {started, stopped}
}

/** What a step left, said as the reason it is not cached. */
function describe(started: string[], stopped: string[], outside: Probe['procs'], shown: Map<string, {state: string}>): string | undefined {
  const parts: string[] = []
  if (started.length) parts.push(`started ${started.map((u) => `${u} (${shown.get(u)?.state || 'not enabled'})`).join(', ')}, which a restored snapshot would not start: enable ${started.length > 1 ? 'them' : 'it'} or stop ${started.length > 1 ? 'them' : 'it'}`)
  if (stopped.length) parts.push(`stopped ${stopped.join(', ')}, which ${stopped.length > 1 ? 'are' : 'is'} enabled: a restored snapshot would start ${stopped.length > 1 ? 'them' : 'it'} again`)
  if (outside.length) parts.push(`left processes running outside systemd's units (${outside.map((p) => `${p.comm || '?'} pid ${p.pid}`).join(', ')})`)
  return parts.length ? parts.join('; ') : undefined
}

async function probe(driver: Driver, handle: ContainerHandle, init: InitSystem): Promise<Probe> {
  let out = ''
  await driver.exec(handle, ['/bin/sh', '-c', PROBE, 'sh', init], {onStdout: (b) => (out += b)})
  return parseProbe(out)
}

async function show(driver: Driver, handle: ContainerHandle, units: string[]): Promise<Map<string, {state: string; wanters: string[]}>> {
  if (units.length === 0) return new Map()
  let out = ''
  await driver.exec(handle, ['systemctl', 'show', '-p', 'Id,UnitFileState,WantedBy,RequiredBy,TriggeredBy,BoundBy', '--', ...units], {onStdout: (b) => (out += b)})
  return parseShow(out)
}

/** Takes the instance's baseline now; its `check` compares a step's leavings with it. */
export async function watchServices(driver: Driver, handle: ContainerHandle, init: InitSystem): Promise<ServiceWatch> {
  const before = await probe(driver, handle, init)
  if (init !== 'systemd') {
    const pids = new Set(before.procs.map((p) => p.pid))
    return {
      async check() {
        const after = await probe(driver, handle, init)
        return after.procs.some((p) => !pids.has(p.pid)) ? 'left processes running' : undefined
      },
    }
  }
  const outsideBefore = new Set(outsideUnits(before).map((p) => p.pid))
  return {
    async check() {
      const after = await probe(driver, handle, init)
      const outside = outsideUnits(after).filter((p) => !outsideBefore.has(p.pid))
      const added = [...after.units.keys()].filter((u) => !before.units.has(u) && /\.(service|socket|timer|path|target)$/.test(u))
      const lost = [...before.units.keys()].filter((u) => before.units.get(u) === 'running' && after.units.get(u) !== 'running')
      const shown = await show(driver, handle, [...added, ...lost])
      const {started, stopped} = judgeUnits(before.units, after.units, shown)
      return describe(started, stopped, outside, shown)
    },
  }
}
