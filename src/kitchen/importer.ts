/**
 * The import under way: where the kitchen project and galley.yml are, ERB resolved where it can be,
 * and the report of every key that did not map or mapped with a caveat.
 */
import {existsSync, statSync} from 'node:fs'
import path from 'node:path'
import type {SourcePosition} from '../errors.js'
import {ImportReport} from '../import/report.js'
import type {TargetHost} from '../import/systemd.js'
import {posOf} from '../import/tree.js'
import {isObject, type ImportContext, type KitchenBlock, type Raw} from './mapper.js'
import {PLACEHOLDER, type ErbTag} from './read.js'

export type {ImportItem} from '../import/report.js'

/** `ENV.fetch('X', 'lit')` or `ENV['X'] || 'lit'`: the variable and its literal default. */
function envDefault(code: string): {name: string; value: string} | undefined {
  const m =
    /^ENV\.fetch\(\s*(['"])(\w+)\1\s*,\s*(['"])(.*?)\3\s*\)$/.exec(code) ??
    /^ENV\[\s*(['"])(\w+)\1\s*\]\s*\|\|\s*(['"])(.*?)\3$/.exec(code)
  return m ? {name: m[2], value: m[4]} : undefined
}

export class Importer extends ImportReport implements ImportContext {
  constructor(
    readonly root: string,
    readonly outDir: string,
    /** The kitchen file as shown in reports. */
    readonly file: string,
    private readonly tags: ErbTag[],
    readonly bootstrap: boolean,
    /** Where galley.yml is meant to run: whether systemd needs a privileged container there. */
    readonly host: TargetHost,
  ) {
    super()
  }

  /**
   * Resolves the ERB placeholders in a string value: an ENV lookup with a literal default gives
   * that default (noted); anything else cannot be imported (reported), and undefined is returned.
   */
  erb(value: string, at: SourcePosition, key: string): string | undefined {
    const found = [...value.matchAll(PLACEHOLDER)].map((m) => this.tags[Number(m[1])])
    if (found.length === 0) return value
    const defaults = found.map((t) => envDefault(t.code))
    if (defaults.every((d) => d !== undefined)) {
      let i = 0
      const out = value.replace(PLACEHOLDER, () => defaults[i++]!.value)
      const vars = defaults.map((d) => `$${d!.name}`).join(', ')
      this.report('note', at, key, `ERB ${found.map((t) => `<%= ${t.code} %>`).join(' ')} depends on ${vars}; imported its default \`${out}\` (galley.yml does not read environment variables)`)
      return out
    }
    this.report('unmapped', at, key, `ERB ${found.map((t) => `<%= ${t.code} %>`).join(' ')} is not evaluated; galley.yml has no templating: write the value it stands for`)
    return undefined
  }

  clean(value: unknown, at: SourcePosition, key: string): unknown {
    if (typeof value === 'string') return this.erb(value, at, key)
    if (Array.isArray(value)) {
      const out: unknown[] = []
      value.forEach((v, i) => {
        const c = this.clean(v, posOf(value, i) ?? at, `${key}[${i}]`)
        if (c !== undefined) out.push(c)
      })
      return out
    }
    if (isObject(value)) {
      const out: Raw = {}
      for (const [k, v] of Object.entries(value)) {
        const kAt = posOf(value, k) ?? at
        if (PLACEHOLDER.test(k)) {
          PLACEHOLDER.lastIndex = 0
          this.erb(k, kAt, `${key}.${k}`)
          continue
        }
        const c = this.clean(v, kAt, `${key}.${k}`)
        if (c !== undefined) out[k] = c
      }
      return out
    }
    return value
  }

  value(block: KitchenBlock, key: string): unknown {
    const where = block.at(key)
    const v = block.take(key)
    if (v === undefined || v === null) return undefined
    return where ? this.clean(v, where.pos, where.where) : v
  }

  str(block: KitchenBlock, key: string): string | undefined {
    const v = this.value(block, key)
    return v === undefined || isObject(v) || Array.isArray(v) ? undefined : String(v)
  }

  list(block: KitchenBlock, key: string): string[] | undefined {
    const v = this.value(block, key)
    if (v === undefined) return undefined
    return (Array.isArray(v) ? v : [v]).filter((x) => x !== null && x !== undefined).map(String)
  }

  relPath(rel: string, at: SourcePosition | undefined, key: string): string | undefined {
    const abs = path.resolve(this.root, rel)
    const out = path.relative(this.outDir, abs) || '.'
    if (out.startsWith('..') || path.isAbsolute(out)) {
      if (at) this.report('unmapped', at, key, `\`${rel}\` is outside the folder galley.yml is written to, and an instance sees only that folder: move it inside`)
      return undefined
    }
    const rel2 = out.split(path.sep).join('/')
    if (at && !existsSync(abs)) this.report('note', at, key, `\`${rel}\` does not exist; galley.yml will not load until it does`)
    return rel2
  }

  exists(rel: string): boolean {
    return existsSync(path.resolve(this.root, rel))
  }

  findFile(candidates: string[]): string | undefined {
    return candidates.find((c) => statSync(path.resolve(this.root, c), {throwIfNoEntry: false})?.isFile())
  }
}
