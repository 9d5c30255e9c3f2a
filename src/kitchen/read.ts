/**
 * Reading a kitchen file as Test Kitchen does: ERB masked (never evaluated), YAML 1.1 with merge
 * keys, kitchen.local.yml merged over it; every key's place is kept for the report.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {ConfigError, type SourcePosition} from '../errors.js'
import {readTree} from '../import/yaml.js'
import {isObject, type Raw} from './mapper.js'
import {keyPositions, mergeTrees, setKeyPositions} from '../import/tree.js'

const MAX_KITCHEN_BYTES = 1 << 20

export interface ErbTag {
  code: string
  kind: 'output' | 'control'
  at: SourcePosition
}

/** Where an `<%= ... %>` tag stood: `__ERBn__`, n its index among the tags. */
export const PLACEHOLDER = /__ERB(\d+)__/g

/**
 * Replaces ERB tags with placeholders the YAML parser accepts, keeping lines where they were:
 * `<%= ... %>` becomes `__ERBn__`, `<% ... %>` and `<%# ... %>` become blanks.
 */
export function maskErb(text: string, file: string): {text: string; tags: ErbTag[]} {
  const tags: ErbTag[] = []
  const lineStarts = [0]
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1)
  const at = (offset: number): SourcePosition => {
    let lo = 0
    let hi = lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (lineStarts[mid] <= offset) lo = mid
      else hi = mid - 1
    }
    return {file, line: lo + 1, col: offset - lineStarts[lo] + 1}
  }
  const masked = text.replace(/<%(=|#|-)?([\s\S]*?)-?%>/g, (match, mark: string | undefined, code: string, offset: number) => {
    const newlines = match.replace(/[^\n]/g, '')
    if (mark === '#') return match.replace(/[^\n]/g, ' ')
    if (mark === '=') {
      tags.push({code: code.trim(), kind: 'output', at: at(offset)})
      return `__ERB${tags.length - 1}__` + newlines
    }
    tags.push({code: code.trim(), kind: 'control', at: at(offset)})
    return match.replace(/[^\n]/g, ' ')
  })
  return {text: masked, tags}
}

interface KitchenFile {
  raw: Raw
  tags: ErbTag[]
  display: string
}

function readKitchen(file: string): KitchenFile {
  const display = path.relative(process.cwd(), file) || file
  let text: string
  try {
    const size = statSync(file).size
    if (size > MAX_KITCHEN_BYTES) throw new ConfigError(`${display} is ${size} bytes; a kitchen file this large is not one galley import reads`)
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${display}`, undefined, {cause: error, hint: 'Check that the file exists and is readable.'})
  }
  const {text: masked, tags} = maskErb(text, display)
  const explain = (line: number) => (tags.some((t) => t.at.line === line) ? ' (ERB on this line was replaced before parsing; galley import does not evaluate ERB)' : '')
  return {raw: readTree(masked, {display, holds: 'driver:, platforms:, suites:...', explain}), tags, display}
}

/** The kitchen file Test Kitchen would read in `dir`: $KITCHEN_YAML, kitchen.yml, then .kitchen.yml. */
export function findKitchenFile(dir: string): string | undefined {
  const env = process.env.KITCHEN_YAML
  for (const name of [env, 'kitchen.yml', '.kitchen.yml']) {
    if (name && existsSync(path.resolve(dir, name))) return path.resolve(dir, name)
  }
  return undefined
}

/** The local override Test Kitchen merges over `file`: kitchen.local.yml for kitchen.yml, .kitchen.local.yml for .kitchen.yml. */
export function localFileFor(file: string): string | undefined {
  const env = process.env.KITCHEN_LOCAL_YAML
  const base = path.basename(file)
  const candidate = env ? path.resolve(path.dirname(file), env) : path.join(path.dirname(file), base.replace(/\.ya?ml$/, '') + '.local.yml')
  return existsSync(candidate) ? candidate : undefined
}

export interface KitchenFiles {
  /** The kitchen tree, the local file merged over the main one. */
  kitchen: Raw
  /** The ERB tags of both files, numbered as the placeholders in the tree. */
  tags: ErbTag[]
  /** The files read, as shown in the report: the main file first. */
  files: string[]
}

/** Reads a kitchen file and merges its local override over it, when there is one. */
export function readKitchenFiles(file: string): KitchenFiles {
  const main = readKitchen(file)
  const localPath = localFileFor(file)
  if (!localPath) return {kitchen: main.raw, tags: main.tags, files: [main.display]}
  const local = readKitchen(localPath)
  // Placeholders are numbered per file: renumber the local file's after the main file's.
  const offset = main.tags.length
  const shift = (text: string) => text.replace(PLACEHOLDER, (_, n: string) => `__ERB${Number(n) + offset}__`)
  const renumber = (v: unknown): unknown => {
    if (typeof v === 'string') return shift(v)
    if (Array.isArray(v)) {
      const out = v.map(renumber)
      const pos = keyPositions(v)
      if (pos) setKeyPositions(out, pos)
      return out
    }
    if (isObject(v)) {
      const out: Raw = {}
      for (const [k, x] of Object.entries(v)) out[shift(k)] = renumber(x)
      const pos = keyPositions(v)
      if (pos) setKeyPositions(out, Object.fromEntries(Object.entries(pos).map(([k, p]) => [shift(k), p])))
      return out
    }
    return v
  }
  return {kitchen: mergeTrees(main.raw, renumber(local.raw)) as Raw, tags: [...main.tags, ...local.tags], files: [main.display, local.display]}
}
