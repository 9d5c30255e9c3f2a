/** Ansible's YAML files read with the line of every node, for messages that point at a task. */
import {readFileSync} from 'node:fs'
import {isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLMap, type YAMLSeq} from 'yaml'

/** A parsed file: its top node, and how to find a node's line. */
export interface YamlFile {
  top: Node | null
  line(node: unknown): number
  /** The first syntax error, with its line. */
  error?: {line: number; message: string}
  /** Aliases resolved. */
  resolve(node: unknown): unknown
}

/** Reads a YAML file as Ansible does (duplicate keys allowed, `!vault` and `!unsafe` kept as text); undefined when unreadable. */
export function readYaml(file: string): YamlFile | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const lines = new LineCounter()
  const doc: Document = parseDocument(text, {lineCounter: lines, uniqueKeys: false, prettyErrors: false, strict: false})
  const first = doc.errors[0]
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node)
  return {
    top: (doc.contents as Node | null) ?? null,
    line: (node) => lines.linePos((node as Node | null)?.range?.[0] ?? 0).line,
    ...(first ? {error: {line: lines.linePos(first.pos[0]).line, message: first.message.split('\n')[0]}} : {}),
    resolve,
  }
}

export const asMap = (node: unknown): YAMLMap | undefined => (isMap(node) ? node : undefined)
export const asSeq = (node: unknown): YAMLSeq | undefined => (isSeq(node) ? node : undefined)

/** The keys of a mapping, as strings, in order. */
export function keysOf(map: YAMLMap): string[] {
  return map.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '')).filter((k) => k !== '')
}

/** The value node of `key` in a mapping. */
export function valueOf(map: YAMLMap, key: string): unknown {
  const pair = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key)
  return pair?.value ?? undefined
}

/** A scalar's text; undefined for anything else. */
export function textOf(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && typeof node.value !== 'object' ? String(node.value) : undefined
}

/** A node as plain data (for `action:` mappings and role parameters). */
export function plain(node: unknown): unknown {
  if (isScalar(node)) return node.value
  if (isMap(node) || isSeq(node)) return node.toJSON()
  return undefined
}

/** The items of a sequence, or a lone scalar as one item, as text. */
export function textList(node: unknown): string[] {
  if (isSeq(node)) return node.items.map(textOf).filter((s): s is string => s !== undefined)
  const one = textOf(node)
  return one === undefined ? [] : [one]
}
