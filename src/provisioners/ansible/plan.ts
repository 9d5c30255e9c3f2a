/**
 * One suite's Ansible, planned before anything runs: its requirements, what its playbooks reach,
 * and from those which Ansible to install. The settings' checks and the steps read the same plan.
 */
import path from 'node:path'
import {isImageRef, type InstanceSpec} from '../../config/types.js'
import {gitDir} from '../git-refs.js'
import {walkPlaybooks, type PlaybookGraph, type WalkOptions} from './graph.js'
import type {AnsibleChoice} from './install.js'
import {planModules, type Flavour, type ModulePlan} from './modules.js'
import {defaultRequirementFiles, readRequirements, type Requirements} from './requirements.js'
import {roleUnderTest} from './role-under-test.js'
import {releaseOf} from './routing.js'
import {searchPaths} from './search-paths.js'

/** The settings the plan reads (the provisioner's, or the ansible verifier's). */
export interface AnsibleInputs {
  playbooks: string[]
  rolesPath?: string[]
  /** Requirement files; undefined: the usual ones that exist; empty: none. */
  requirements?: string[]
  /** `ansible: core|full`. */
  flavour?: Flavour
  package?: string
}

export interface AnsiblePlan {
  requirements: Requirements
  graph: PlaybookGraph
  modules: ModulePlan
  choice: AnsibleChoice
  /** How the playbooks were walked, but for their roles under test: one playbook's walk adds its own (walkOf). */
  walk: WalkOptions
}

/** The requirement files a suite installs. */
export function requirementFiles(root: string, p: AnsibleInputs): string[] {
  return p.requirements ?? defaultRequirementFiles(root, p.playbooks)
}

/** The names of the role a playbook sits in (Molecule's role under test), each to its folder. */
export function roleAliasesOf(root: string, playbooks: string[]): Record<string, string> {
  const aliases: Record<string, string> = {}
  for (const pb of playbooks) {
    const role = roleUnderTest(root, pb)
    for (const name of role?.names ?? []) aliases[name] ??= role!.dir
  }
  return aliases
}

/**
 * The walk options of one playbook: the plan's, with the role it sits in known by its names (it
 * comes first, as its links come first on the roles path in the instance).
 */
export function walkOf(plan: AnsiblePlan, root: string, playbook: string): WalkOptions {
  return {...plan.walk, roleAliases: {...plan.walk.roleAliases, ...roleAliasesOf(root, [playbook])}}
}

/**
 * Plans a suite's Ansible. `walk` adds role folders and aliases to the search; the role each
 * playbook sits in (the role under test) is found by its names without it.
 */
export function planAnsible(spec: InstanceSpec, p: AnsibleInputs, root: string, walk: WalkOptions = {}): AnsiblePlan {
  const requirements = readRequirements(root, requirementFiles(root, p))
  // A role from a local git work tree is read where it is, as the version it installs most likely is.
  const fromGit = Object.fromEntries(
    requirements.roles.filter((r) => r.source === 'git' && r.local !== undefined && gitDir(path.join(root, r.local)) === path.join(root, r.local, '.git')).map((r) => [r.label, r.local!]),
  )
  const search = searchPaths(root, spec.provisioner.env)
  const options = {rolesPaths: [...(p.rolesPath ?? []), ...search.rolesPaths, ...(walk.rolesPaths ?? [])], roleAliases: {...fromGit, ...(walk.roleAliases ?? {})}}
  const graph = walkPlaybooks(root, p.playbooks, {...options, roleAliases: {...options.roleAliases, ...roleAliasesOf(root, p.playbooks)}})
  const release = releaseOf(spec.platform.image)
  // An engine image may bring collections of its own; an image Galley builds has only Debian's.
  const unsure = {...search.unsure, collections: search.unsure.collections || isImageRef(spec.platform.image)}
  const modules = planModules(graph, requirements, release, {libraries: search.libraries, collections: search.collections, unsure})
  const flavour: Flavour = p.flavour ?? (p.package === 'ansible' ? 'full' : modules.needs)
  return {requirements, graph, modules, choice: {flavour, ...(release ? {release} : {}), ...(modules.collection ? {collection: modules.collection} : {})}, walk: options}
}
