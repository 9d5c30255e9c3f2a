/**
 * The Molecule import under way: where the project (the role) and galley.yml are, the report of
 * what did not map, and reading each part of molecule.yml with care for its types (a hostile or
 * mistaken file gives a report line, never a crash).
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import type {DriverName} from '../config/types.js'
import type {SourcePosition} from '../errors.js'
import {ImportReport} from '../import/report.js'
import type {TargetHost} from '../import/systemd.js'
import {isObject, posOf, use, usedKeys, type Raw} from '../import/tree.js'

export class MoleculeImport extends ImportReport {
  constructor(
    /** The project folder: the one holding molecule/ (the role under test, usually). */
    readonly root: string,
    /** Where galley.yml is written: paths in it are relative to this folder. */
    readonly outDir: string,
    readonly bootstrap: boolean,
    /** The host galley.yml is written for, but for the engine, which each scenario's driver names. */
    readonly host: Pick<TargetHost, 'cgroupVersion'> & {driver?: DriverName},
  ) {
    super()
  }

  /** A project file as galley.yml names it; undefined, reported at `at`, when an instance could not see it. */
  relPath(abs: string, at: SourcePosition, key: string): string | undefined {
    const rel = path.relative(this.outDir, abs)
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      this.report('unmapped', at, key, `\`${path.relative(this.root, abs) || abs}\` is outside the folder galley.yml is written to, and an instance sees only that folder: move it inside`)
      return undefined
    }
    return rel.split(path.sep).join('/') || '.'
  }

  exists(abs: string): boolean {
    return existsSync(abs)
  }
}

/**
 * One mapping of molecule.yml (a platform, `provisioner:`, `verifier:` …) and its place: reading a
 * key marks it used; what is never read is reported at the end, with the reason `leftovers` gives.
 */
export class Section {
  constructor(
    private readonly imp: MoleculeImport,
    readonly obj: Raw,
    /** Its path for reports: `provisioner`, `platforms[instance]`. */
    readonly where: string,
    /** Where the mapping itself is written, for keys it lacks. */
    readonly pos: SourcePosition,
  ) {}

  has(key: string): boolean {
    return key in this.obj && this.obj[key] !== null && this.obj[key] !== undefined
  }

  at(key: string): SourcePosition {
    return posOf(this.obj, key) ?? this.pos
  }

  key(key: string): string {
    return this.where ? `${this.where}.${key}` : key
  }

  /** The raw value, marked used. */
  take(key: string): unknown {
    use(this.obj, key)
    const v = this.obj[key]
    return v === null ? undefined : v
  }

  /** A scalar as text; anything else is reported as the wrong type and read as absent. */
  str(key: string): string | undefined {
    const v = this.take(key)
    if (v === undefined) return undefined
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
    this.imp.report('unmapped', this.at(key), this.key(key), `must be a string, not ${describe(v)}; not imported`)
    return undefined
  }

  bool(key: string): boolean | undefined {
    const v = this.take(key)
    if (v === undefined) return undefined
    if (typeof v === 'boolean') return v
    if (v === 'true' || v === 'false') return v === 'true'
    this.imp.report('unmapped', this.at(key), this.key(key), `must be true or false, not ${describe(v)}; not imported`)
    return undefined
  }

  /** A list of scalars (one scalar is a list of one). */
  list(key: string): string[] | undefined {
    const v = this.take(key)
    if (v === undefined) return undefined
    const items = Array.isArray(v) ? v : [v]
    if (items.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) return items.map(String)
    this.imp.report('unmapped', this.at(key), this.key(key), `must be a list of strings, not ${describe(v)}; not imported`)
    return undefined
  }

  /** A mapping under `key` as a Section of its own. */
  section(key: string): Section | undefined {
    const v = this.take(key)
    if (v === undefined) return undefined
    if (isObject(v)) return new Section(this.imp, v, this.key(key), this.at(key))
    this.imp.report('unmapped', this.at(key), this.key(key), `must be a mapping, not ${describe(v)}; not imported`)
    return undefined
  }

  /** Reports every key not read, with `reasons[key]` or `otherwise`. */
  leftovers(reasons: Record<string, string>, otherwise: string): void {
    const used = usedKeys(this.obj)
    for (const key of Object.keys(this.obj)) {
      if (used.has(key)) continue
      this.imp.report('unmapped', this.at(key), this.key(key), reasons[key] ?? otherwise)
    }
  }
}

/** A value's kind in a message: `a list`, `a mapping`, `the number 3`. */
export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list'
  if (isObject(v)) return 'a mapping'
  const shown = JSON.stringify(v) ?? String(v)
  return `${typeof v} ${shown.length > 40 ? shown.slice(0, 37) + '…' : shown}`
}
