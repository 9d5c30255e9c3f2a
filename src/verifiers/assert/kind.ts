/**
 * What an assertion kind is: the resource it names (its key in galley.yml), the matchers it takes,
 * the shell that reports the facts it is judged on (run inside the instance, with nothing installed
 * there), and the judge that compares those facts with what galley.yml expects. A new kind is one
 * file plus one line in the registry (./index.ts).
 */
import type {Schema} from '../../config/schema.js'
import type {Assertion} from '../../config/types.js'

/** What the probe of one assertion reported, by fact name. */
export type Facts = Map<string, string>

export interface AssertVerdict {
  ok: boolean
  /** The mismatches, `expected …, got …`, joined by `; `. */
  message?: string
  /** More to read in the report: a command's output, a page's start. */
  detail?: string
}

/** Facts many assertions are judged on, read once per batch (see ./probe.ts). */
export type SharedFact = 'passwd' | 'group' | 'tcp' | 'udp' | 'procs' | 'mounts'

export interface AssertKind {
  /** The key that names the resource: `file: /etc/motd`. */
  readonly kind: string
  /** How the resource itself is written. */
  readonly target: Schema
  /** The matchers it takes (mode, owner, running …), beside name, retry and timeout. */
  readonly matchers: Record<string, Schema>
  /** The shared facts it is judged on. */
  shared?(a: Assertion): SharedFact[]
  /**
   * The shell that prints this assertion's own facts; `fact(key)` is the command that starts the
   * value of one. Empty when the shared facts say it all.
   */
  probe?(a: Assertion, fact: (key: string) => string, i: number): string
  judge(a: Assertion, facts: Facts): AssertVerdict
}

/** Registers an assertion kind. */
export const defineAssertKind = (k: AssertKind): AssertKind => k

/** Text read from a file or a command is capped at this many bytes. */
export const MAX_BYTES = 1 << 20

/** A string as one single-quoted shell word. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

export const isId = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))

/** The matcher `key` as a yes/no, `fallback` when galley.yml does not say. */
export const wants = (a: Assertion, key: string, fallback: boolean) => (a.expect[key] === undefined ? fallback : Boolean(a.expect[key]))

export const verdict = (problems: string[], detail?: string): AssertVerdict => (problems.length ? {ok: false, message: problems.join('; '), detail} : {ok: true, detail})

export function describeText(want: string): string {
  return /^\/.+\/$/s.test(want) ? `matching ${want}` : `containing ${JSON.stringify(want)}`
}

/** /etc/passwd or /etc/group as fields per line. */
export const parseDb = (text: string | undefined) => (text ?? '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'))

export const str: Schema = {kind: 'string'}
export const bool: Schema = {kind: 'bool'}
export const id: Schema = {kind: 'scalar'}
export const texts: Schema = {kind: 'strings'}
