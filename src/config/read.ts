/** The loader's first stage: one config file read, parsed with positions, and checked against the schema. */
import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {LineCounter, parseDocument, type Node} from 'yaml'
import {ConfigError, ConfigErrors} from '../errors.js'
import {fileSchema} from './galley-schema.js'
import {UNSET} from './merge.js'
import {check, type Schema} from './schema.js'
import {SourceMap} from './source.js'

export type Raw = Record<string, unknown>

const MAX_CONFIG_BYTES = 1 << 20

export interface ParsedFile {
  raw: Raw
  src: SourceMap
}

/** Reads galley.yml (or, with `isOverride`, galley.local.yml); throws ConfigErrors listing every problem. */
export function readConfigFile(file: string, isOverride: boolean): ParsedFile {
  const display = path.relative(process.cwd(), file) || file
  let text: string
  try {
    const size = statSync(file).size
    if (size > MAX_CONFIG_BYTES) throw new ConfigError(`${display} is ${size} bytes; a galley config may be at most 1 MiB`)
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${display}`, undefined, {cause: error, hint: 'Check that the file exists and is readable.'})
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  const src = new SourceMap(display, doc, lines)
  if (doc.errors.length > 0) {
    throw new ConfigErrors(doc.errors.map((e) => new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, {file: display, ...lines.linePos(e.pos[0])}, {hint: 'Fix the YAML syntax at that position.'})))
  }
  const errors: ConfigError[] = []
  const contents = doc.contents as Node | null
  if (contents === null && isOverride) return {raw: {}, src}
  const schema = fileSchema(isOverride)
  check(contents, schema, path.basename(file), src, errors)
  if (errors.length > 0) throw new ConfigErrors(errors)
  return {raw: markUnsets(doc.toJS({maxAliasCount: 100}) ?? {}, schema) as Raw, src}
}

/** galley.local.yml's nulls where its schema lets a key be unset, as UNSET for the merge; other values as they are. */
function markUnsets(value: unknown, schema: Schema): unknown {
  if (schema.kind === 'unsettable') return value === null ? UNSET : markUnsets(value, schema.schema)
  if (schema.kind === 'seq' && Array.isArray(value)) return value.map((item) => markUnsets(item, schema.items))
  if (schema.kind !== 'map' || typeof value !== 'object' || value === null || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, schema.keys[k] ? markUnsets(v, schema.keys[k]) : v]))
}
