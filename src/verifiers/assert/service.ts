/** `service:` — running or not: systemctl where systemd is PID 1, else its init script and the process table. */
import type {Assertion} from '../../config/types.js'
import {bool, defineAssertKind, shellQuote, str, verdict, wants, type Facts} from './kind.js'
import {matchesProcess, parseProcs} from './procs.js'

function probe(a: Assertion, f: (key: string) => string): string {
  const base = shellQuote(a.target.replace(/\.service$/, ''))
  return [
    `s=${base}`,
    `${f('init')}; read -r c 2>/dev/null </proc/1/comm; printf %s "$c"`,
    `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then ${f('systemd')}; systemctl is-active "$s" 2>&1; fi`,
    `if [ -x "/etc/init.d/$s" ]; then ${f('initd')}; "/etc/init.d/$s" status >/dev/null 2>&1 </dev/null; printf %s $?; fi`,
  ].join('\n')
}

function judge(a: Assertion, facts: Facts) {
  const name = a.target.replace(/\.service$/, '')
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
  if (want === running) return verdict([])
  return verdict([`expected service ${name} ${want ? 'running' : 'stopped'}, got ${running ? 'running' : 'stopped'} (${how})`])
}

export const service = defineAssertKind({kind: 'service', target: str, matchers: {running: bool}, shared: () => ['procs'], probe, judge})
