/** `kernel-param:` — a value under /proc/sys. */
import type {Assertion} from '../../config/types.js'
import {defineAssertKind, shellQuote, verdict, type Facts} from './kind.js'

function probe(a: Assertion, f: (key: string) => string): string {
  const file = '/proc/sys/' + (a.target.includes('/') ? a.target.replace(/^\/proc\/sys\//, '') : a.target.replace(/\./g, '/'))
  return `if [ -r ${shellQuote(file)} ]; then ${f('value')}; cat ${shellQuote(file)}; fi`
}

function judge(a: Assertion, facts: Facts) {
  const value = facts.get('value')
  if (value === undefined) return verdict([`expected kernel parameter ${a.target}${a.expect.value !== undefined ? ` = ${a.expect.value}` : ''}, got no such parameter under /proc/sys`])
  if (a.expect.value === undefined) return verdict([])
  const norm = (v: unknown) => String(v).trim().split(/\s+/).join(' ')
  const want = typeof a.expect.value === 'boolean' ? (a.expect.value ? '1' : '0') : norm(a.expect.value)
  return verdict(norm(value) === want ? [] : [`expected value ${want}, got ${norm(value) || 'an empty value'}`])
}

export const kernelParam = defineAssertKind({
  kind: 'kernel-param',
  target: {kind: 'string', pattern: /^[A-Za-z0-9_.\/-]+$/, what: 'a name such as net.ipv4.ip_forward'},
  matchers: {value: {kind: 'scalar'}},
  probe,
  judge,
})
