/**
 * The language galley.yml's shape is written in (./galley-schema.ts writes it, from the plugins'
 * descriptors), and a walker that checks a parsed YAML document against it while the document
 * still knows where each value came from, so every error carries file:line:col.
 */
import {isMap, isScalar, isSeq, type Node, type Pair} from 'yaml'
import {ConfigError} from '../errors.js'
import type {SourceMap} from './source.js'
import {parseDuration, parseMode, parseSize} from './values.js'

export type Schema =
  | {kind: 'map'; keys: Record<string, Schema>; required?: string[]; oneOf?: string[]; orString?: string; docs?: Record<string, string>}
  | {kind: 'seq'; items: Schema}
  | {kind: 'string'; pattern?: RegExp; what?: string}
  | {kind: 'name'}
  | {kind: 'int'; min?: number; max?: number}
  | {kind: 'number'; min?: number}
  | {kind: 'size'}
  | {kind: 'enum'; values: string[]}
  | {kind: 'env'; keys?: RegExp}
  | {kind: 'bool'}
  | {kind: 'scalar'}
  | {kind: 'strings'; values?: string[]; empty?: boolean}
  | {kind: 'mode'}
  | {kind: 'duration'}
  | {kind: 'variants'; what: string; variants: Record<string, Schema>}
  | {kind: 'vars'}
  /** galley.local.yml's keys: null unsets what galley.yml sets. */
  | {kind: 'unsettable'; schema: Schema}

/** An env value kept out of logs, console and reports: `{value: ..., secret: true}`. */
const SECRET_VALUE: Schema = {kind: 'map', keys: {value: {kind: 'scalar'}, secret: {kind: 'bool'}}, required: ['value']}

/**
 * Which variant a mapping with these keys is: the one variant key among them, or, when a matcher
 * shares its name with a variant (`group` of a file, `user` of a process), the one variant that
 * allows every other key.
 */
export function pickVariant(schema: Extract<Schema, {kind: 'variants'}>, keys: string[]): string | undefined {
  const named = keys.filter((k) => k in schema.variants)
  if (named.length === 1) return named[0]
  const fits = named.filter((k) => {
    const variant = schema.variants[k]
    return variant.kind === 'map' && keys.every((key) => key in variant.keys)
  })
  return fits.length === 1 ? fits[0] : undefined
}

export const MIN_MEMORY = 8 * 1024 * 1024

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  const d = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]
    d[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return d[b.length]
}

export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  for (const c of candidates) {
    const dist = distance(word.toLowerCase(), c.toLowerCase())
    if (dist < bestD) {
      best = c
      bestD = dist
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined
}

function kindOf(node: unknown): string {
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  if (isScalar(node)) {
    if (node.value === null) return 'nothing'
    const shown = JSON.stringify(node.value)
    return `${typeof node.value} ${shown.length > 40 ? shown.slice(0, 37) + '…"' : shown}`
  }
  return 'nothing'
}

/** Checks `node` against `schema`, pushing one ConfigError per problem into `errors`. */
export function check(node: Node | null | undefined, schema: Schema, where: string, src: SourceMap, errors: ConfigError[]): void {
  const fail = (message: string, at: Node | Pair['key'] | null | undefined = node, hint?: string) =>
    errors.push(new ConfigError(message, src.at(at), {hint}))
  switch (schema.kind) {
    case 'unsettable':
      if (node === null || node === undefined || (isScalar(node) && node.value === null)) return
      return check(node, schema.schema, where, src, errors)
    case 'map': {
      if (schema.orString && isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') return
      if (!isMap(node)) return void fail(`${where} must be a mapping${schema.orString ? ` or ${schema.orString}` : ''}, got ${kindOf(node)}`)
      const seen = new Set<string>()
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined
        if (key === undefined) {
          fail(`${where} has a key that is not a plain name`, pair.key as Node)
          continue
        }
        seen.add(key)
        const sub = schema.keys[key]
        if (!sub) {
          const guess = closest(key, Object.keys(schema.keys))
          fail(
            `unknown key \`${key}\` in ${where}` + (guess ? ` — did you mean \`${guess}\`?` : ''),
            pair.key as Node,
            `Allowed keys in ${where}: ${Object.keys(schema.keys).join(', ')}.`,
          )
          continue
        }
        check(pair.value as Node, sub, `${where}.${key}`, src, errors)
      }
      for (const key of schema.required ?? []) {
        if (!seen.has(key)) fail(`${where} is missing the required key \`${key}\``)
      }
      if (schema.oneOf) {
        const present = schema.oneOf.filter((k) => seen.has(k))
        if (present.length !== 1) {
          fail(`${where} must have exactly one of ${schema.oneOf.map((k) => `\`${k}\``).join(' or ')}` + (present.length ? `, not both` : ''))
        }
      }
      return
    }
    case 'variants': {
      if (!isMap(node)) return void fail(`${where} must be a mapping, got ${kindOf(node)}`)
      const kinds = Object.keys(schema.variants)
      const keys = node.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''))
      const named = keys.filter((k) => kinds.includes(k))
      const picked = pickVariant(schema, keys)
      if (picked) return check(node, schema.variants[picked], `${where} (${picked})`, src, errors)
      if (named.length > 1) return void fail(`${where} names both \`${named[0]}\` and \`${named[1]}\`; ${schema.what} checks one thing`, node, 'Split it into two list entries.')
      const guess = keys.map((k) => closest(k, kinds)).find(Boolean)
      return void fail(`${where} does not say what it checks` + (guess ? ` — did you mean \`${guess}\`?` : ''), node, `Start ${schema.what} with one of: ${kinds.join(', ')}.`)
    }
    case 'seq': {
      if (!isSeq(node)) return void fail(`${where} must be a list, got ${kindOf(node)}`)
      node.items.forEach((item, i) => check(item as Node, schema.items, `${where}[${i}]`, src, errors))
      return
    }
    case 'env': {
      if (!isMap(node)) return void fail(`${where} must be a mapping of NAME: value, got ${kindOf(node)}`)
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : ''
        if (!(schema.keys ?? /^[A-Za-z_][A-Za-z0-9_]*$/).test(key)) fail(`${where}: \`${key}\` is not a valid ${schema.keys ? 'name' : 'environment variable name'}`, pair.key as Node)
        else if (isMap(pair.value) && !schema.keys) check(pair.value as Node, SECRET_VALUE, `${where}.${key}`, src, errors)
        else if (!isScalar(pair.value) || pair.value.value === null) fail(`${where}.${key} must be a string, number or boolean (or {value: ..., secret: true}), got ${kindOf(pair.value)}`, (pair.value as Node) ?? (pair.key as Node))
      }
      return
    }
    case 'vars':
      if (!isMap(node)) fail(`${where} must be a mapping of names to values, got ${kindOf(node)}`)
      return
    case 'strings':
      // One string or a list of them: paths and names for provisioners, text or /regex/ for assertions.
      if (isSeq(node)) {
        if (node.items.length === 0 && !schema.empty) fail(`${where} must name at least one entry`)
        node.items.forEach((item, i) => check(item as Node, schema.values ? {kind: 'enum', values: schema.values} : {kind: 'string'}, `${where}[${i}]`, src, errors))
        return
      }
      if (schema.values) return check(node, {kind: 'enum', values: schema.values}, where, src, errors)
      if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') fail(`${where} must be a non-empty string (or /regex/) or a list of them, got ${kindOf(node)}`)
      else if (/^\/.+\/$/.test(node.value)) {
        try {
          new RegExp(node.value.slice(1, -1))
        } catch (error) {
          fail(`${where} is not a valid regular expression: ${(error as Error).message}`)
        }
      }
      return
  }
  const value = isScalar(node) ? node.value : undefined
  switch (schema.kind) {
    case 'bool':
      if (typeof value !== 'boolean') fail(`${where} must be true or false, got ${kindOf(node)}`)
      return
    case 'string':
      if (typeof value !== 'string' || value === '') fail(`${where} must be a non-empty string, got ${kindOf(node)}`)
      else if (schema.pattern && !schema.pattern.test(value)) fail(`${where} must be ${schema.what ?? `a string matching ${schema.pattern}`}, got ${kindOf(node)}`)
      return
    case 'scalar':
      if (!['string', 'number', 'boolean'].includes(typeof value) || value === '') fail(`${where} must be a string or a number, got ${kindOf(node)}`)
      return
    case 'mode':
      if (parseMode(value) === undefined) fail(`${where} must be an octal file mode such as "0644", got ${kindOf(node)}`)
      return
    case 'duration':
      if (parseDuration(value) === undefined) fail(`${where} must be a duration such as 30s, 2m or 500ms, got ${kindOf(node)}`)
      return
    case 'name':
      if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
        fail(`${where} must be a name of letters, digits, '.', '_' or '-' (no spaces or slashes), got ${kindOf(node)}`)
      }
      return
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < (schema.min ?? -Infinity) || value > (schema.max ?? Infinity)) {
        const range = schema.max !== undefined ? ` from ${schema.min} to ${schema.max}` : schema.min !== undefined ? ` of at least ${schema.min}` : ''
        fail(`${where} must be a whole number${range}, got ${kindOf(node)}`)
      }
      return
    case 'number':
      if (typeof value !== 'number' || value < (schema.min ?? -Infinity)) fail(`${where} must be a number${schema.min !== undefined ? ` of at least ${schema.min}` : ''}, got ${kindOf(node)}`)
      return
    case 'size': {
      const bytes = parseSize(value)
      if (bytes === undefined) fail(`${where} must be a size such as 512M or 2G, got ${kindOf(node)}`)
      // Below this no engine starts a container (Docker's floor is 6 MiB; LXC's monitor fails first).
      else if (bytes < MIN_MEMORY) fail(`${where} is ${bytes} bytes; a container needs at least 8M`)
      return
    }
    case 'enum':
      if (typeof value !== 'string' || !schema.values.includes(value)) {
        const guess = typeof value === 'string' ? closest(value, schema.values) : undefined
        fail(`${where} must be one of ${schema.values.join(', ')}, got ${kindOf(node)}` + (guess ? ` — did you mean \`${guess}\`?` : ''))
      }
      return
  }
}
