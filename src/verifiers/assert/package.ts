/** `package:` — installed or not, and its version, from dpkg's, apk's or rpm's database. */
import type {Assertion} from '../../config/types.js'
import {quote} from '../text.js'
import {bool, defineAssertKind, shellQuote, str, verdict, wants, type Facts} from './kind.js'

function probe(a: Assertion, f: (key: string) => string): string {
  return [
    `n=${shellQuote(a.target)}`,
    `if [ -f /var/lib/dpkg/status ]; then ${f('db')}; printf dpkg; ${f('pkg')}; awk -v p="$n" '/^Package: /{on=($2==p)} on && /^(Package|Status|Version): /{print} /^$/{on=0}' /var/lib/dpkg/status`,
    `elif [ -f /lib/apk/db/installed ]; then ${f('db')}; printf apk; ${f('pkg')}; awk -v p="$n" '/^P:/{on=(substr($0,3)==p); if(on) print "Package: " p; if(on) print "Status: install ok installed"} on && /^V:/{print "Version: " substr($0,3)} /^$/{on=0}' /lib/apk/db/installed`,
    `elif [ -d /var/lib/rpm ] && command -v rpm >/dev/null 2>&1; then ${f('db')}; printf rpm; ${f('pkg')}; rpm -q --qf 'Package: %{NAME}\\nStatus: install ok installed\\nVersion: %{VERSION}-%{RELEASE}\\n' "$n" 2>/dev/null`,
    `else ${f('db')}; printf none; fi`,
  ].join('\n')
}

function judge(a: Assertion, facts: Facts) {
  const db = facts.get('db') ?? 'none'
  if (db === 'none') return verdict([`expected package ${a.target} ${wants(a, 'installed', true) ? 'installed' : 'absent'}, got no package database (dpkg, apk or rpm) in the instance`])
  const stanzas = (facts.get('pkg') ?? '').split(/\n(?=Package: )/).map((s) => Object.fromEntries(s.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])))
  const installed = stanzas.find((s) => /\binstalled$/.test(s.Status ?? '') && !/not-installed/.test(s.Status ?? ''))
  const other = stanzas.find((s) => s.Status)
  if (!wants(a, 'installed', true)) return verdict(installed ? [`expected package ${a.target} not installed, got version ${installed.Version} installed`] : [])
  if (!installed) return verdict([`expected package ${a.target} installed, got ${other ? `status ${quote(other.Status)}` : `no package ${a.target} in the ${db} database`}`])
  const want = a.expect.version === undefined ? undefined : String(a.expect.version)
  if (want !== undefined) {
    const ok = want.endsWith('*') ? installed.Version.startsWith(want.slice(0, -1)) : installed.Version === want
    if (!ok) return verdict([`expected version ${want}, got ${installed.Version}`])
  }
  return verdict([])
}

export const pkg = defineAssertKind({kind: 'package', target: str, matchers: {installed: bool, version: str}, probe, judge})
