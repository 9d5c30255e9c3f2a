/**
 * Where things are written in the config files: the one helper every stage of the loader (and every
 * plugin's checks) uses to turn a value found after merging back into file:line:col.
 */
import {isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair} from 'yaml'
import path from 'node:path'
import type {SourcePosition} from '../errors.js'
import type {SourceRef} from './types.js'

/** Decides whether a mapping entry is the one sought; `parent` is the key of the mapping or list holding it. */
export type PairTest = (key: string, value: unknown, parent: string | undefined) => boolean

/** Locates nodes of one parsed file. */
export class SourceMap {
  constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  at(node: Node | Pair['key'] | null | undefined): SourcePosition {
    const offset = (node as Node | null)?.range?.[0] ?? 0
    const pos = this.lines.linePos(offset)
    return {file: this.file, line: pos.line, col: pos.col}
  }

  /**
   * The first mapping entry, in document order, that `test` accepts: its key node, its value node
   * and the mapping holding it.
   */
  findPair(test: PairTest): {key: Node; value: Node | null; map: Node} | undefined {
    let found: {key: Node; value: Node | null; map: Node} | undefined
    const visit = (node: unknown, parent: string | undefined) => {
      if (found) return
      if (isMap(node)) {
        for (const pair of node.items) {
          if (found) return
          const key = isScalar(pair.key) ? String(pair.key.value) : ''
          if (test(key, pair.value, parent)) found = {key: pair.key as Node, value: pair.value as Node | null, map: node as Node}
          else visit(pair.value, key)
        }
      } else if (isSeq(node)) node.items.forEach((item) => visit(item, parent))
    }
    visit(this.doc.contents, undefined)
    return found
  }

  /** The first scalar anywhere whose value is `value`. */
  findScalar(value: string): Node | undefined {
    let found: Node | undefined
    const visit = (node: unknown) => {
      if (found) return
      if (isScalar(node) && node.value === value) found = node as Node
      else if (isMap(node)) node.items.forEach((pair) => visit(pair.value))
      else if (isSeq(node)) node.items.forEach(visit)
    }
    visit(this.doc.contents)
    return found
  }

  /** The entry of `list` (platforms, suites) named `name`, or its `key`. */
  namedItem(list: string, name: string, key?: string): Node | undefined {
    const seq = isMap(this.doc.contents) ? this.doc.contents.get(list, true) : undefined
    if (!isSeq(seq)) return undefined
    for (const item of seq.items) {
      if (!isMap(item)) continue
      const n = item.get('name', true)
      if (isScalar(n) && n.value === name) return key ? ((item.get(key, true) as Node | undefined) ?? item) : (n as Node)
    }
    return undefined
  }
}

const scalarIs = (node: unknown, value: string) => isScalar(node) && String(node.value) === value

/** The files of one load, the override (galley.local.yml) first: where a merged value came from. */
export class Sources {
  constructor(readonly maps: SourceMap[]) {}

  /** The first place any file writes such an entry. */
  findPair(test: PairTest): SourcePosition | undefined {
    for (const src of this.maps) {
      const hit = src.findPair(test)
      if (hit) return src.at(hit.key)
    }
    return undefined
  }

  /**
   * Where `key:` is written; with `value`, the one whose value is (or lists) `value`, at that value.
   * `parent` narrows it to keys under a given key (`script` under `steps`).
   */
  key(key: string, value?: string, parent?: string): SourcePosition | undefined {
    for (const src of this.maps) {
      const hit = src.findPair((k, v, p) => k === key && (parent === undefined || p === parent) && (value === undefined || scalarIs(v, value) || (isSeq(v) && v.items.some((i) => scalarIs(i, value)))))
      if (!hit) continue
      if (value === undefined) return src.at(hit.key)
      const item = isSeq(hit.value) ? (hit.value.items.find((i) => scalarIs(i, value)) as Node) : hit.value
      return src.at(item ?? hit.key)
    }
    return undefined
  }

  /**
   * The mapping holding the first entry `test` accepts, as a place in the project (a path relative
   * to `root`, and its line): where a step, test or assertion is written, for reports.
   */
  entry(test: PairTest, root: string): SourceRef | undefined {
    for (const src of this.maps) {
      const hit = src.findPair(test)
      if (hit) return {file: path.relative(root, path.resolve(process.cwd(), src.file)) || src.file, line: src.at(hit.map).line}
    }
    return undefined
  }

  /** Where the scalar `value` is written (an env value, say). */
  scalar(value: string): SourcePosition | undefined {
    for (const src of this.maps) {
      const node = src.findScalar(value)
      if (node) return src.at(node)
    }
    return undefined
  }

  /** Where the platform or suite `name` (or its `key`) is written; the main file's start when nowhere. */
  item(list: 'platforms' | 'suites', name: string, key?: string): SourcePosition {
    for (const src of this.maps) {
      const node = src.namedItem(list, name, key)
      if (node) return src.at(node)
    }
    const main = this.maps[this.maps.length - 1]
    return {file: main.file, line: 1, col: 1}
  }
}
