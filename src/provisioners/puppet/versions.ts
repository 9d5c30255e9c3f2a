/**
 * Puppet module versions and the ranges metadata.json and Puppetfiles write (`>= 4.13.1 < 9.0.0`,
 * `1.x`, `8.5.0`, `>=5 <9 || 10.x`): enough to tell whether Debian's packaged version will do.
 */

const parts = (v: string): number[] => v.split('.').map((p) => Number.parseInt(p, 10) || 0)

function compare(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)]
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

/** `1.x` and `1.2.x` (and `1`, `1.2`) as the bounds they mean. */
function wildcard(v: string): [string, string] | undefined {
  const m = /^(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/.exec(v)
  if (!m) return undefined
  const [, major, minor, patch] = m
  if (minor === undefined || minor === 'x' || minor === '*') return [`${major}.0.0`, `${Number(major) + 1}.0.0`]
  if (patch === undefined || patch === 'x' || patch === '*') return [`${major}.${minor}.0`, `${major}.${Number(minor) + 1}.0`]
  return undefined
}

function satisfiesAll(version: string, range: string): boolean | undefined {
  // `>= 4.13.1` is one comparator: join an operator to the version after it.
  const tokens = range.replace(/([<>=~^]+)\s+/g, '$1').split(/\s+/).filter(Boolean)
  for (const t of tokens) {
    const m = /^(>=|<=|>|<|=|~>|~|\^)?v?([\d.x*]+)$/.exec(t)
    if (!m) return undefined
    const [, op = '', v] = m
    const bounds = wildcard(v)
    if (op === '' || op === '=') {
      if (bounds ? compare(version, bounds[0]) < 0 || compare(version, bounds[1]) >= 0 : compare(version, v) !== 0) return false
      continue
    }
    const c = compare(version, v)
    const ok = op === '>=' ? c >= 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : op === '<' ? c < 0 : op === '^' ? c >= 0 && parts(version)[0] === parts(v)[0] : c >= 0 && compare(version, wildcard(v.split('.').slice(0, -1).join('.') || v)?.[1] ?? v) < 0
    if (!ok) return false
  }
  return true
}

/** Whether `version` is in `range` (no range: any); undefined when the range cannot be read. */
export function satisfies(version: string, range: string | undefined): boolean | undefined {
  if (!range || range.trim() === '' || range.trim() === '*') return true
  let unreadable = false
  for (const alt of range.split('||')) {
    const r = satisfiesAll(version, alt.trim())
    if (r === true) return true
    if (r === undefined) unreadable = true
  }
  return unreadable ? undefined : false
}

/** `puppetlabs/stdlib` and `puppetlabs-stdlib` are one module. */
export const forgeName = (name: string): string => name.trim().replace('/', '-')

/** The folder a module lives in: its name without the author. */
export const moduleDir = (name: string): string => forgeName(name).split('-').slice(1).join('-') || forgeName(name)
