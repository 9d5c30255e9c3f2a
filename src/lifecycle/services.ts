/**
 * Whether a step's snapshot would bring back what the step left running. A snapshot holds files,
 * not processes: a container made from it starts with nothing but its init running, and a systemd
 * instance boots, starting the units its files say it wants. So a step may be cached when what it
 * left running would run again after a restore: on `init: none`, nothing new; on `init: systemd`,
 * only units that boot starts (enabled, or wanted or triggered by such a unit) or that the bus
 * starts on demand, and no process outside systemd's units. The instance's state right after
 * create (or restore) is the baseline.
 */
import type {ContainerHandle, Driver} from '../../drivers/driver.js'
import type {InitSystem} from '../config/types.js'

/** All the watch needs of a driver. */
type Exec = Pick<Driver, 'exec'>

/** An instance's running services as a step left them; `check` says why they would not survive a restore. */
export interface ServiceWatch {
  /** Why the snapshot of the step that just ran would not bring back what runs now; undefined when it would. */
  check(): Promise<string | undefined>
}

/** The output of a probe: its own pid, the processes (pid, cgroup, name) and, on systemd, the active units. */
interface Probe {
  self: string
  /** Each process with its cgroup in the hierarchy systemd keeps its units in ('?' when it has none there). */
  procs: {pid: string; cgroup: string; comm: string}[]
  /** Active units and their sub-state (running, listening, waiting, exited …). */
  units: Map<string, string>
}

const UNIT_KINDS = /\.(service|socket|timer|path)$/
const UNIT_SEGMENT = /\.(slice|scope|service|socket|mount|swap)$/
/** File states that `systemctl enable` would not change: such a unit runs at boot only when a unit boot starts wants it. */
const ENABLED = /^(enabled|static|indirect|generated|alias|linked)$/
/** How many processes a note names. */
const MAX_NAMED = 4

// One shell, no forks but systemctl: each process with its cgroup in the name=systemd hierarchy and
// in the unified one (either may be missing), then the active units.
const PROBE = [
  'echo "self $$"',
  'for p in /proc/[0-9]*; do',
  '  a=; b=; n=',
  '  while IFS= read -r l; do case $l in *:name=systemd:*) a=${l#*:name=systemd:} ;; 0::*) b=${l#0::} ;; esac; done 2>/dev/null <"$p/cgroup"',
  '  read -r n 2>/dev/null <"$p/comm"',
  '  echo "proc ${p#/proc/} ${a:-?} ${b:-?} $n"',
  'done',
  'if [ "$1" = systemd ]; then echo units; systemctl list-units --state=active --plain --no-legend --no-pager 2>/dev/null; fi',
].join('\n')

/**
 * Reads the probe's output. Systemd keeps its units in one hierarchy: the name=systemd one on a
 * cgroup v1 or hybrid host, unless its PID 1 sits in `init.scope` only in the unified one (systemd
 * 247 in a container of a hybrid host leaves every process at `/` in name=systemd); the unified
 * one on a cgroup v2 host.
 */
export function parseProbe(out: string): Probe {
  const lines = out.split('\n')
  const self = lines.find((l) => l.startsWith('self '))?.slice(5).trim() ?? ''
  const rows = lines.filter((l) => l.startsWith('proc ')).map((l) => {
    const [, pid, named, unified, ...comm] = l.split(' ')
    return {pid, named, unified: unified ?? '?', comm: comm.join(' ')}
  })
  const init = rows.find((r) => r.pid === '1')
  const inScope = (cgroup: string) => cgroup.endsWith('/init.scope')
  const readUnified = init !== undefined && !inScope(init.named) && (inScope(init.unified) || init.named === '?')
  const procs = rows.map((r) => ({pid: r.pid, cgroup: readUnified ? r.unified : r.named, comm: r.comm}))
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

/** What `systemctl show` says of a unit: its file state, the units that want, need or trigger it, its D-Bus name. */
export interface UnitInfo {
  state: string
  wanters: string[]
  bus: string
}

/** `systemctl show` of some units, by unit. */
export function parseShow(out: string): Map<string, UnitInfo> {
  const units = new Map<string, UnitInfo>()
  for (const block of out.split(/\n\s*\n/)) {
    const props = new Map(block.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const))
    const id = props.get('Id')
    if (!id) continue
    const wanters = ['WantedBy', 'RequiredBy', 'TriggeredBy', 'BoundBy'].flatMap((k) => (props.get(k) ?? '').split(/\s+/).filter(Boolean))
    units.set(id, {state: props.get('UnitFileState') ?? '', wanters, bus: props.get('BusName') ?? ''})
  }
  return units
}

/** Units a step started that a restored snapshot would not start, and units it stopped that boot would start again. */
export function judgeUnits(before: Map<string, string>, after: Map<string, string>, shown: Map<string, UnitInfo>): {started: string[]; stopped: string[]} {
  const added = [...after.keys()].filter((u) => !before.has(u))
  // Boot starts a unit that a unit active at boot wants, needs or triggers; a unit enabled only
  // for this boot (in /run) is not in the snapshot. A static unit with a bus name (timedated,
  // hostnamed, localed, logind …) is started by the bus when a client first calls that name and
  // exits when idle: a restored snapshot with the bus starts it on demand just the same.
  const back = new Set<string>()
  const busBack = () => before.has('dbus.socket') || back.has('dbus.socket')
  for (let grew = true; grew; ) {
    grew = false
    for (const u of added) {
      const info = shown.get(u)
      if (back.has(u) || !info || info.state === 'enabled-runtime') continue
      const wanted = info.wanters.some((w) => before.has(w) || back.has(w))
      if (wanted || (info.state === 'static' && info.bus !== '' && busBack())) {
        back.add(u)
        grew = true
      }
    }
  }
  const judged = (u: string, sub: string | undefined) => UNIT_KINDS.test(u) && (!u.endsWith('.service') || sub === 'running')
  const started = added.filter((u) => judged(u, after.get(u)) && !back.has(u))
  const stopped = [...before.keys()].filter((u) => before.get(u) === 'running' && after.get(u) !== 'running' && shown.get(u)?.state === 'enabled')
  return {started, stopped}
}

/** Why a restored snapshot would not start a unit the step started: its file state, and for an enabled one, who wants it. */
function whyNotBack(info: UnitInfo | undefined): string {
  if (!info?.state) return 'not enabled'
  if (info.state === 'enabled-runtime') return 'enabled in /run only, which a snapshot does not hold'
  if (!ENABLED.test(info.state)) return info.state
  if (info.wanters.length === 0) return `${info.state}, but no unit that boot starts wants it`
  const targets = info.wanters.every((w) => w.endsWith('.target'))
  return `${info.state}, but wanted only by ${listOf(info.wanters)}, which boot does not ${targets ? 'reach' : 'start'}`
}

/** `a`, `a and b`, `a, b and c`. */
function listOf(items: string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : items.join('')
}

/** At most a few processes, by command and pid. */
function nameProcs(procs: Probe['procs']): string {
  const shown = procs.slice(0, MAX_NAMED).map((p) => `${p.comm || '?'} pid ${p.pid}`)
  return shown.join(', ') + (procs.length > MAX_NAMED ? ` and ${procs.length - MAX_NAMED} more` : '')
}

/** What a step left, said as the reason it is not cached. */
function describe(started: string[], stopped: string[], outside: Probe['procs'], shown: Map<string, UnitInfo>): string | undefined {
  const parts: string[] = []
  const them = (units: string[]) => (units.length > 1 ? 'them' : 'it')
  if (started.length) {
    // Enabling is the fix only for a unit that is not enabled at all; an enabled or static one needs a unit that boot starts to want it.
    const plain = started.every((u) => !ENABLED.test(shown.get(u)?.state ?? ''))
    const advice = plain ? `enable ${them(started)} or stop ${them(started)}` : `stop ${them(started)}, or have a unit that boot starts want ${them(started)}`
    parts.push(`started ${started.map((u) => `${u} (${whyNotBack(shown.get(u))})`).join(', ')}, which a restored snapshot would not start: ${advice}`)
  }
  if (stopped.length) parts.push(`stopped ${stopped.join(', ')}, which ${stopped.length > 1 ? 'are' : 'is'} enabled: a restored snapshot would start ${them(stopped)} again`)
  if (outside.length) parts.push(`left processes running outside systemd's units (${nameProcs(outside)})`)
  return parts.length ? parts.join('; ') : undefined
}

async function probe(driver: Exec, handle: ContainerHandle, init: InitSystem): Promise<Probe> {
  let out = ''
  await driver.exec(handle, ['/bin/sh', '-c', PROBE, 'sh', init], {onStdout: (b) => (out += b)})
  return parseProbe(out)
}

async function show(driver: Exec, handle: ContainerHandle, units: string[]): Promise<Map<string, UnitInfo>> {
  if (units.length === 0) return new Map()
  let out = ''
  await driver.exec(handle, ['systemctl', 'show', '-p', 'Id,UnitFileState,BusName,WantedBy,RequiredBy,TriggeredBy,BoundBy', '--', ...units], {onStdout: (b) => (out += b)})
  return parseShow(out)
}

/** Takes the instance's baseline now; its `check` compares a step's leavings with it. */
export async function watchServices(driver: Exec, handle: ContainerHandle, init: InitSystem): Promise<ServiceWatch> {
  const before = await probe(driver, handle, init)
  if (init !== 'systemd') {
    const pids = new Set(before.procs.map((p) => p.pid))
    return {
      async check() {
        const left = (await probe(driver, handle, init)).procs.filter((p) => !pids.has(p.pid))
        return left.length ? `left processes running (${nameProcs(left)})` : undefined
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
