/**
 * What the mapper of one kitchen plugin (a provisioner, a verifier) is given and gives back: types
 * and the one test of a value they share, and nothing else of the importer, so that a mapper
 * written against them can move beside the Galley plugin it maps to without a change.
 */
import type {SourcePosition} from '../errors.js'

export {isObject, type Raw} from '../import/tree.js'
import type {Raw} from '../import/tree.js'

/** A key's place: where in the kitchen file, and its path for reports (`suites[a].provisioner.playbook`). */
export interface Place {
  pos: SourcePosition
  where: string
}

/** Test Kitchen's levels of settings, from the most general. */
export type Level = 'common' | 'platform' | 'suite'

/** One block (the provisioner, say) of one instance, with Test Kitchen's levels merged; taking a key marks it imported. */
export interface KitchenBlock {
  has(key: string): boolean
  /** The merged value (mappings merge, the most specific wins otherwise), ERB left as placeholders. */
  take(key: string): unknown
  /** The value each level gives, most general first. */
  takeLevels(key: string): {level: Level; value: unknown; place: Place}[]
  /** Where the effective value of `key` is written. */
  at(key: string): Place | undefined
}

/** The import under way: the kitchen project, and the report of what did not map. */
export interface ImportContext {
  /** The kitchen file's folder: the paths it names are relative to it. */
  readonly root: string
  /** The kitchen file as shown in reports. */
  readonly file: string
  report(kind: 'unmapped' | 'note', at: SourcePosition, key: string, reason: string): void
  /** `value` with its ERB resolved throughout; what cannot be resolved is dropped and reported. */
  clean(value: unknown, at: SourcePosition, key: string): unknown
  /** Takes `key` from a block with ERB resolved; undefined when absent or unresolvable. */
  value(block: KitchenBlock, key: string): unknown
  str(block: KitchenBlock, key: string): string | undefined
  list(block: KitchenBlock, key: string): string[] | undefined
  /** A path relative to the kitchen file as one relative to galley.yml's folder; undefined (reported at `at`) when it falls outside. */
  relPath(rel: string, at: SourcePosition | undefined, key: string): string | undefined
  exists(rel: string): boolean
  /** The first of `candidates` that is a file. */
  findFile(candidates: string[]): string | undefined
}

/** A galley.yml provisioner step. */
export type KitchenStep = {name: string; run: string} | {script: string}

export interface PluginInput {
  context: ImportContext
  block: KitchenBlock
  /** The suite of the instance: Test Kitchen's default file names contain it. */
  suite: string
}

export interface ProvisionerMapping {
  /** The settings of galley.yml's provisioner: its name and the tool's own. */
  provisioner: Raw
  /** Shell steps to run before the tool. */
  steps: KitchenStep[]
  env: Record<string, string>
}

export const emptyMapping = (): ProvisionerMapping => ({provisioner: {}, steps: [], env: {}})

/** Maps one Test Kitchen provisioner's settings for one instance. */
export type ProvisionerMapper = (input: PluginInput) => ProvisionerMapping

/** A Galley provisioner's part in `galley import`: the Test Kitchen provisioners it takes over, and how. */
export interface KitchenProvisioner {
  /** Test Kitchen's names for it (chef_zero, ansible_playbook …). */
  plugins: string[]
  map: ProvisionerMapper
}

/** Maps one Test Kitchen verifier's settings for one instance to galley.yml's verifier. */
export type VerifierMapper = (input: PluginInput) => Raw
