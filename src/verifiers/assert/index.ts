/** The registry of assertion kinds, and how galley.yml's `assert:` entries are read with them. */
import {pickVariant, type Schema} from '../../config/schema.js'
import type {Assertion} from '../../config/types.js'
import {parseDuration} from '../../config/values.js'
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
