/**
 * What a verifier is: one descriptor per kind of test a suite can list under `verifier:` beside
 * its shell `tests:` (assert, bats, junit …), owning its key's schema, how entries are read, which
 * test cases they will report and how they run. A new verifier is one file plus one line in the
 * registry (./index.ts).
 */
import type {Schema} from '../config/schema.js'
import type {SourceRef} from '../config/types.js'
import type {PlanEntry} from '../model.js'
import type {VerifyContext} from './context.js'

/** What reading entries may need from the loader. */
export interface ReadContext {
  /** The project folder: paths and globs are relative to it. */
  root: string
  /** The verifier's `user:`, which entries that name none run as. */
  user?: string
  /** An env mapping as strings, with `${VAR}`s taken from the environment and secrets noted. */
  env(raw: unknown): Record<string, string>
  /** Where the entry of `section` that writes `key: value` is. */
  source(section: string, key: string, value: string): SourceRef | undefined
}

export interface Verifier<T = unknown> {
  /** The key under `verifier:` in galley.yml. */
  readonly key: string
  readonly summary: string
  /** How the key's value (a list of entries) is written. */
  readonly schema: Schema
  read(raw: unknown[], ctx: ReadContext): T[]
  /** Project files the entries name, checked to exist before anything runs. */
  files?(entries: T[]): string[]
  /** The test cases the entries will report, as far as they are known before they run (`root`: the project folder). */
  planned(entries: T[], root: string): PlanEntry[]
  run(entries: T[], ctx: VerifyContext): Promise<void>
}

/** Registers a verifier, typed by its own entries. */
export const defineVerifier = <T>(v: Verifier<T>): Verifier => v as unknown as Verifier
