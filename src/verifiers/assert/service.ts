/**
 * `service:` — running or not, enabled at boot or not: systemctl where systemd is PID 1; else the
 * init script, the process table and the rc?.d links.
 */
import type {Assertion} from '../../config/types.js'
import {bool, defineAssertKind, shellQuote, str, verdict, wants, type Facts} from './kind.js'
import {matchesProcess, parseProcs} from './procs.js'

/** What `systemctl is-enabled` says of a unit that boot starts. */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias'])

/** `running` is checked when asked for, or when nothing else is. */
const checksRunning = (a: Assertion) => a.expect.running !== undefined || a.expect.enabled === undefined

function probe(a: Assertion, f: (key: string) => string): string {
  const base = shellQuote(a.target.replace(/\.service$/, ''))
  const enabled = a.expect.enabled !== undefined
  return [
    `s=${base}`,
    `${f('init')}; c=; read -r c 2>/dev/null </proc/1/comm; printf %s "$c"`,
    'if [ "$c" = systemd ] && command -v systemctl >/dev/null 2>&1; then',
    `  ${f('systemd')}; systemctl is-active "$s" 2>&1`,
    ...(enabled ? [`  ${f('enabled')}; systemctl is-enabled "$s" 2>/dev/null; echo "rc $?"`] : []),
    ...(enabled ? ['else', `  ${f('rclinks')}; for l in /etc/rc[2345].d/S[0-9][0-9]"$s"; do [ -e "$l" ] && echo "$l"; done`] : []),
    'fi',
    `if [ -x "/etc/init.d/$s" ]; then ${f('initd')}; "/etc/init.d/$s" status >/dev/null 2>&1 </dev/null; printf %s $?; fi`,
  ].join('\n')
}

function judgeRunning(a: Assertion, name: string, facts: Facts): string | undefined {
  let running: boolean
  let how: string
  const systemd = facts.get('systemd')?.trim()
  const initd = facts.get('initd')
  const procs = parseProcs(facts.get('procs')).filter((p) => matchesProcess(name, p))
  if (systemd !== undefined) {
    running = systemd === 'active'
    how = `systemctl is-active says ${systemd}`
  } else if (initd === '0' || procs.length > 0) {
    running = true
    how = procs.length > 0 ? `running as pid ${procs.map((p) => p.pid).join(', ')}` : `/etc/init.d/${name} status says running`
  } else {
    running = false
    how = `no process named ${name}` + (initd !== undefined ? `; /etc/init.d/${name} status exited with ${initd}` : '') + `; PID 1 is ${facts.get('init') || 'unknown'}, not systemd`
  }
  const want = wants(a, 'running', true)
  if (want === running) return undefined
  return `expected service ${name} ${want ? 'running' : 'stopped'}, got ${running ? 'running' : 'stopped'} (${how})`
}

function judgeEnabled(a: Assertion, name: string, facts: Facts): string | undefined {
  let enabled: boolean
  let how: string
  const said = facts.get('enabled')
  if (said !== undefined) {
    // The state (none for a unit systemd does not know), then the exit code.
    const state = said.trim().split('\n').filter((l) => !l.startsWith('rc ')).pop()?.trim() || 'not-found'
    enabled = ENABLED.has(state)
    how = `systemctl is-enabled says ${state}`
  } else {
    const links = (facts.get('rclinks') ?? '').trim().split('\n').filter(Boolean)
    enabled = links.length > 0
    how = enabled ? `started from ${links.join(', ')}` : `no S link to it in /etc/rc2.d to /etc/rc5.d; PID 1 is ${facts.get('init') || 'unknown'}, not systemd`
  }
  const want = wants(a, 'enabled', true)
  if (want === enabled) return undefined
  return `expected service ${name} ${want ? 'enabled' : 'disabled'}, got ${enabled ? 'enabled' : 'disabled'} (${how})`
}

function judge(a: Assertion, facts: Facts) {
  const name = a.target.replace(/\.service$/, '')
  const problems = [checksRunning(a) ? judgeRunning(a, name, facts) : undefined, a.expect.enabled !== undefined ? judgeEnabled(a, name, facts) : undefined]
  return verdict(problems.filter((p): p is string => p !== undefined))
}

export const service = defineAssertKind({kind: 'service', target: str, matchers: {running: bool, enabled: bool}, shared: (a) => (checksRunning(a) ? ['procs'] : []), probe, judge})
