/**
 * An imported file read as the tool that owns it reads it (YAML 1.1 with merge keys; a later
 * duplicate key wins) into plain values, with every key's place kept (./tree.ts). Aliases are
 * expanded with a bound on nodes and depth, so an alias bomb or a cycle is a config error.
 */
import {isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node} from 'yaml'
import {ConfigError, ConfigErrors, type SourcePosition} from '../errors.js'
import {isObject, posOf, setKeyPositions, type Raw} from './tree.js'

const MAX_NODES = 100_000
const MAX_DEPTH = 100

export interface TreeOptions {
  /** The file as reports show it. */
  display: string
  /** What the top-level mapping holds, for the error when it is something else (`driver:, platforms:, suites:...`). */
  holds: string
  /** More about a YAML error on a line (kitchen.yml: ERB was replaced there). */
  explain?: (line: number) => string
}

/** The file's top-level mapping as plain values with their places ({} for an empty file). */
export function readTree(text: string, options: TreeOptions): Raw {
  const {display} = options
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: false, version: '1.1', merge: true})
  if (doc.errors.length > 0) {
    throw new ConfigErrors(
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0])
        return new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}${options.explain?.(at.line) ?? ''}`, {file: display, ...at}, {hint: 'Fix the YAML at that position; the tool that reads this file would reject it too.'})
      }),
    )
  }
  const contents = doc.contents as Node | null
  if (contents === null) return {}
  if (!isMap(contents)) throw new ConfigError(`${display} must be a mapping (${options.holds})`, {file: display, ...lines.linePos(contents.range?.[0] ?? 0)})
  let count = 0
  const at = (node: unknown): SourcePosition => ({file: display, ...lines.linePos((node as Node | null)?.range?.[0] ?? 0)})
  const toValue = (node: unknown, depth: number): unknown => {
    if (++count > MAX_NODES || depth > MAX_DEPTH) throw new ConfigError(`${display} is nested or aliased too deeply to import`, at(node))
    if (isAlias(node)) return toValue(node.resolve(doc as Document), depth + 1)
    if (isMap(node)) {
      const out: Raw = {}
      const pos: Record<string, SourcePosition> = {}
      // Merge keys (<<) give defaults; keys written in the mapping win wherever they stand.
      for (const pair of node.items) {
        if (!(isScalar(pair.key) && typeof pair.key.value === 'symbol')) continue
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value]
        for (const s of sources) {
          const merged = toValue(s, depth + 1)
          if (!isObject(merged)) continue
          for (const [k, v] of Object.entries(merged)) {
            if (k in out) continue
            out[k] = v
            pos[k] = posOf(merged, k) ?? at(pair.key)
          }
        }
      }
      for (const pair of node.items) {
        if (isScalar(pair.key) && typeof pair.key.value === 'symbol') continue
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(toValue(pair.key, depth + 1))
        out[key] = toValue(pair.value, depth + 1)
        pos[key] = at(pair.key)
      }
      setKeyPositions(out, pos)
      return out
    }
    if (isSeq(node)) {
      const out = node.items.map((item) => toValue(item, depth + 1))
      setKeyPositions(out, Object.fromEntries(node.items.map((item, i) => [String(i), at(item)])))
      return out
    }
    // Timestamps and binary (YAML 1.1 tags) are kept as their text: what is imported stays plain data.
    if (isScalar(node)) return typeof node.value === 'object' && node.value !== null ? String(node.source ?? node.value) : node.value
    return null
  }
  return toValue(contents, 0) as Raw
}
