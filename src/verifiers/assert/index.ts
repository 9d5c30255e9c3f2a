/** The registry of assertion kinds, and how galley.yml's `assert:` entries are read with them. */
import {pickVariant, type Schema} from '../../config/schema.js'
import type {Assertion} from '../../config/types.js'
import {parseDuration, parseMode} from '../../config/values.js'
import {command} from './command.js'
import {directory, file} from './file.js'
import {http} from './http.js'
import {kernelParam} from './kernel-param.js'
import type {AssertKind} from './kind.js'
import {mount} from './mount.js'
import {pkg} from './package.js'
import {port} from './port.js'
import {processKind} from './process.js'
import {service} from './service.js'
import {group, user} from './users.js'

export const ASSERT_KINDS: readonly AssertKind[] = [file, directory, pkg, service, user, group, port, processKind, command, http, kernelParam, mount]

export function assertKind(kind: string): AssertKind | undefined {
  return ASSERT_KINDS.find((k) => k.kind === kind)
}

const COMMON: Record<string, Schema> = {name: {kind: 'string'}, retry: {kind: 'int', min: 0}, timeout: {kind: 'duration'}}

/** Each assertion names one resource (its kind is the key), with that kind's matchers and the common keys. */
export const assertionSchema: Extract<Schema, {kind: 'variants'}> = {
  kind: 'variants',
  what: 'an assertion',
  variants: Object.fromEntries(ASSERT_KINDS.map((k) => [k.kind, {kind: 'map', keys: {[k.kind]: k.target, ...k.matchers, ...COMMON}} satisfies Schema])),
}

/** Which kind an entry with these keys is (see pickVariant). */
export const assertionKind = (keys: string[]): string | undefined => pickVariant(assertionSchema, keys)

/** `assert:` entries of galley.yml (already checked against assertionSchema), each with a name of its own. */
export function readAssertions(entries: Record<string, unknown>[]): Assertion[] {
  const read = entries.map(readAssertion)
  const named = (i: number) => entries[i].name !== undefined
  const uses = new Map<string, number>()
  for (const a of read) uses.set(a.name, (uses.get(a.name) ?? 0) + 1)
  // Two checks of one resource would share the default name `<kind> <target>`: what each expects tells them apart.
  const withMatchers = read.map((a, i) => (named(i) || uses.get(a.name) === 1 ? a : {...a, name: [a.name, describeMatchers(a)].filter(Boolean).join(' ')}))
  const seen = new Map<string, number>()
  return withMatchers.map((a, i) => {
    const n = (seen.get(a.name) ?? 0) + 1
    seen.set(a.name, n)
    return named(i) || n === 1 ? a : {...a, name: `${a.name} (${n})`}
  })
}

/** What an assertion expects, briefly: `mode 0644, contains welcome`, `not running`. */
function describeMatchers(a: Assertion): string {
  const matchers = assertKind(a.kind)?.matchers ?? {}
  const brief = (v: unknown) => {
    const text = typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => `${k}=${String(x)}`).join(' and ') : String(v)
    return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text
  }
  return Object.entries(a.expect)
    .map(([key, v]) => {
      if (typeof v === 'boolean') return v ? key : `not ${key}`
      if (matchers[key]?.kind === 'mode') return `${key} ${parseMode(v) ?? brief(v)}`
      return `${key} ${Array.isArray(v) ? v.map(brief).join(' and ') : brief(v)}`
    })
    .join(', ')
}

/** How much of one expected value a default name shows. */
const MAX_VALUE = 40

/** An `assert:` entry of galley.yml (already checked against assertionSchema). */
export function readAssertion(raw: Record<string, unknown>): Assertion {
  const kind = assertionKind(Object.keys(raw))!
  const target = String(raw[kind])
  const expect = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== kind && !(k in COMMON)))
  return {
    kind,
    target,
    name: raw.name !== undefined ? String(raw.name) : `${kind} ${target}`,
    expect,
    retry: Number(raw.retry ?? 0),
    ...(raw.timeout !== undefined ? {timeoutMs: parseDuration(raw.timeout)} : {}),
  }
}
