/**
 * An imported file's tree (kitchen.yml, molecule.yml): plain values read from YAML, with the place
 * of every key kept beside them and what the import used of each, so that what is left can be
 * reported with its line.
 */
import type {SourcePosition} from '../errors.js'

/** A mapping as the YAML reader gives it. */
export type Raw = Record<string, unknown>

export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

// Positions of the keys of each object and of each list item, kept beside the plain values.
const KEYPOS = new WeakMap<object, Record<string, SourcePosition>>()
// What the import used, per object of the tree; the rest is reported.
const USED = new WeakMap<object, Set<string>>()
// The parts each merged object was made of: using a key of the merge uses it in the parts.
const MERGED = new WeakMap<object, object[]>()

export const posOf = (obj: object, key: string | number): SourcePosition | undefined => KEYPOS.get(obj)?.[String(key)]

export function keyPositions(obj: object): Record<string, SourcePosition> | undefined {
  return KEYPOS.get(obj)
}

export function setKeyPositions(obj: object, positions: Record<string, SourcePosition>): void {
  KEYPOS.set(obj, positions)
}

export function use(obj: object, key: string): void {
  let set = USED.get(obj)
  if (!set) USED.set(obj, (set = new Set()))
  set.add(key)
}

export function markUsed(obj: object, key: string): void {
  use(obj, key)
  for (const part of MERGED.get(obj) ?? []) if (isObject(part) && key in part) markUsed(part, key)
}

export function usedKeys(obj: object): Set<string> {
  return USED.get(obj) ?? new Set()
}

/**
 * Test Kitchen's merge of kitchen.local.yml, and Molecule's of its base config: mappings merge key
 * by key, anything else (lists too) is replaced; positions follow the value that won.
 */
export function mergeTrees(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over
  const out: Raw = {...base}
  const pos = {...KEYPOS.get(base)}
  for (const [k, v] of Object.entries(over)) {
    out[k] = mergeTrees(base[k], v)
    const p = posOf(over, k)
    if (p) pos[k] = p
  }
  KEYPOS.set(out, pos)
  MERGED.set(out, [base, over])
  return out
}
