/**
 * What a provisioner is: one descriptor per tool that owns everything about it (its keys in
 * galley.yml with their schema and defaults, the checks they need, the steps it turns them into,
 * and how Test Kitchen's settings map onto them). A new provisioner is one file plus one line in
 * the registry (./index.ts).
 */
import {statSync} from 'node:fs'
import path from 'node:path'
import type {Schema} from '../config/schema.js'
import type {InstanceSpec} from '../config/types.js'
import type {KitchenProvisioner} from '../kitchen/mapper.js'
import type {ProvisionStep} from './step.js'

export type Raw = Record<string, unknown>

/** One key of a provisioner in galley.yml. */
export interface SettingSpec {
  schema: Schema
  /** What the value names in the project (checked before anything runs). */
  files?: 'file' | 'folder' | 'either'
  /** The tool cannot run without it. */
  required?: boolean
  /** What it means, for the JSON Schema and galley diagnose. */
  doc: string
}

/** Reports problems found in a provisioner's settings at the place galley.yml writes them. */
export interface SettingsCheck {
  root: string
  /** A problem with `key` (and the entry `value` of it, when given). */
  error(message: string, at: {key: string; value?: string}, hint?: string): void
}

export interface Provisioner<T = unknown> {
  /** `provisioner.name` in galley.yml. */
  readonly name: string
  readonly summary: string
  /** The keys of `provisioner:` this tool reads, beside the shared ones (name, steps, env, idempotence). */
  readonly settings: Record<string, SettingSpec>
  /** This tool's settings from a merged `provisioner:` mapping, defaults applied. */
  read(raw: Raw): T
  /** Checks beyond the schema and the files named (run-list syntax, a default folder that is missing). */
  check?(options: T, spec: InstanceSpec, check: SettingsCheck): void
  /** The converge steps after the shell steps: installing the tool, then running it. */
  steps(spec: InstanceSpec, options: T, root: string): ProvisionStep[]
  /** How `galley import` maps Test Kitchen's provisioners for this tool onto its settings. */
  readonly kitchen?: KitchenProvisioner
}

/** Registers a tool's descriptor, typed by its own settings. */
export const defineProvisioner = <T>(p: Provisioner<T>): Provisioner => p as unknown as Provisioner

/** One string or a list of them, as a list. */
export const stringList = (v: unknown): string[] | undefined => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String))

/** A mapping of names to values (extra vars, attributes), copied. */
export const varsOf = (v: unknown): Record<string, unknown> | undefined => (v === undefined ? undefined : {...(v as Record<string, unknown>)})

/** Why `rel` cannot be used as a `kind`, or undefined when it can. */
export function pathProblem(root: string, rel: string, kind: 'file' | 'folder' | 'either'): string | undefined {
  const target = path.resolve(root, rel)
  if (path.isAbsolute(rel) || path.relative(root, target).startsWith('..')) return 'is outside the project folder'
  const st = statSync(target, {throwIfNoEntry: false})
  const shown = path.relative(process.cwd(), target) || target
  if (!st) return `not found (looked for ${shown})`
  if (kind === 'file' && !st.isFile()) return 'is a folder, not a file'
  if (kind === 'folder' && !st.isDirectory()) return 'is a file, not a folder'
  return undefined
}
