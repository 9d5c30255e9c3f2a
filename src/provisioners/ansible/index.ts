/**
 * The ansible provisioner: Ansible inside the instance, run against the instance itself through a
 * local connection (the driver's exec; no SSH). Its steps, in order: install Ansible (Debian's
 * ansible-core, or the full package when the playbooks need a collection it carries, or a version
 * from pip), install the requirements (ansible-galaxy), then each playbook as one step: `prepare`
 * playbooks first, then `playbook`, then `side_effect` playbooks after the idempotence pass.
 */
import path from 'node:path'
import type {InstanceSpec} from '../../config/types.js'
import {defineProvisioner, pathProblem, stringList, varsOf, type Raw} from '../plugin.js'
import {stepEnv, type ProvisionStep} from '../step.js'
import {playbookRun} from './command.js'
import {galaxyStep} from './galaxy.js'
import {walkPlaybooks} from './graph.js'
import {ansibleInstallStep} from './install.js'
import {ansibleEnv} from './inventory.js'
import {mapAnsible} from './kitchen.js'
import type {Flavour} from './modules.js'
import {judgeConverge, judgeSecondRun} from './output.js'
import {planAnsible, walkOf, type AnsiblePlan} from './plan.js'
import {stepPaths} from './playbooks.js'

export {ansibleEnv, INVENTORY, inventoryOf, playbookArgv} from './inventory.js'
export {planAnsible, type AnsibleInputs, type AnsiblePlan} from './plan.js'
export {walkPlaybooks, type PlaybookGraph, type TaskRef, type WalkOptions} from './graph.js'

export interface AnsibleSettings {
  /** The Debian package that provides ansible-playbook when the platform lacks it. */
  package?: string
  /** `ansible: core|full`: Debian's ansible-core, or its full package with the community collections. */
  flavour?: Flavour
  /** `ansible_version:`: this ansible-core version from pip instead of Debian's. */
  version?: string
  /** Each playbook is one step. */
  playbooks: string[]
  /** Playbooks run once before the others, outside the idempotence pass (Molecule's prepare). */
  prepare?: string[]
  /** Playbooks run after the others and after the idempotence pass (Molecule's side_effect). */
  sideEffects?: string[]
  rolesPath?: string[]
  /** ansible-galaxy requirement files; undefined: the usual ones that exist; empty: none. */
  requirements?: string[]
  /** `-e` vars, and host vars of the instance. */
  extraVars?: Record<string, unknown>
  inventory?: Record<string, unknown>
}

type Stage = 'prepare' | 'converge' | 'side_effect'

/** Every playbook the provisioner runs, in order: prepare, converge, side effects. */
export const stagePlaybooks = (p: AnsibleSettings): string[] => [...(p.prepare ?? []), ...p.playbooks, ...(p.sideEffects ?? [])]

/** Plans the provisioner's Ansible from all its playbooks (`more`: the ansible verifier's too). */
export const planSuite = (spec: InstanceSpec, p: AnsibleSettings, root: string, more: string[] = []): AnsiblePlan =>
  planAnsible(spec, {...p, playbooks: [...stagePlaybooks(p), ...more]}, root)

/**
 * The steps that make Ansible and the requirements available in the instance (the ansible
 * verifier runs them too): the install, then ansible-galaxy when there are requirements.
 */
export function ansibleInstallSteps(spec: InstanceSpec, p: AnsibleSettings, plan: AnsiblePlan): ProvisionStep[] {
  const install = ansibleInstallStep(spec, plan.choice, {package: p.package, version: p.version})
  // The requirements' key leaves out the instance's own variables, so suites share the install.
  const galaxy = galaxyStep(plan.requirements, ansibleEnv(spec, p.rolesPath, true), plan.choice.release)
  return galaxy ? [install, galaxy] : [install]
}

function playbookStep(spec: InstanceSpec, p: AnsibleSettings, root: string, playbook: string, stage: Stage, plan: AnsiblePlan): ProvisionStep {
  const {argv, env, groups} = playbookRun(spec, p, root, playbook, plan)
  // Exactly what this playbook reaches, its role under test included: another playbook beside it is not in its key.
  const walk = walkOf(plan, root, playbook)
  const paths = stepPaths(root, playbook, walkPlaybooks(root, [playbook], walk), {rolesPaths: walk.rolesPaths ?? [], requirementFiles: plan.requirements.files})
  return {
    kind: 'step',
    name: playbook,
    argv,
    env,
    expected: 0,
    command: `ansible-playbook ${playbook}`,
    judge: (code, output) => judgeConverge(playbook, code, output),
    cache: {env: stepEnv(spec, env), settings: {playbook, groups, inventory: p.inventory ?? null, extraVars: p.extraVars ?? null, ...(stage === 'converge' ? {} : {stage})}, paths},
    // Molecule's idempotence pass runs converge alone: prepare ran once, side effects come after it.
    ...(stage === 'converge' ? {recheck: {kind: 'idempotence', name: playbook, argv, env, expected: 0, judge: (code: number, output: string) => judgeSecondRun(playbook, code, output)}} : {}),
    ...(stage === 'side_effect' ? {afterIdempotence: true} : {}),
  }
}

function ansibleSteps(spec: InstanceSpec, p: AnsibleSettings, root: string): ProvisionStep[] {
  const plan = planSuite(spec, p, root)
  return [
    ...ansibleInstallSteps(spec, p, plan),
    ...(p.prepare ?? []).map((pb) => playbookStep(spec, p, root, pb, 'prepare', plan)),
    ...p.playbooks.map((pb) => playbookStep(spec, p, root, pb, 'converge', plan)),
    ...(p.sideEffects ?? []).map((pb) => playbookStep(spec, p, root, pb, 'side_effect', plan)),
  ]
}

const VERSION = /^(?:[<>=!~]=?\s*)?\d+(?:\.\d+)*(?:\.\*)?(?:\s*,\s*[<>=!~]=?\s*\d+(?:\.\d+)*(?:\.\*)?)*$/

/** The setting that names a playbook, for a problem found in it. */
function settingOf(p: AnsibleSettings, file: string): {key: string; value?: string} {
  const named = (list: string[] | undefined) => list?.find((pb) => file === path.normalize(pb))
  for (const [key, list] of [['prepare', p.prepare], ['side_effect', p.sideEffects]] as const) {
    const value = named(list)
    if (value) return {key, value}
  }
  const value = named(p.playbooks)
  return {key: 'playbook', ...(value ? {value} : {})}
}

export const ansible = defineProvisioner<AnsibleSettings>({
  name: 'ansible',
  summary: "Ansible inside the instance (Debian's, or a version from pip), its requirements from ansible-galaxy, each playbook one step, through a local connection",
  settings: {
    package: {schema: {kind: 'string'}, doc: 'the Debian package that provides the tool when the platform lacks it'},
    ansible: {schema: {kind: 'enum', values: ['core', 'full']}, doc: "Debian's ansible-core, or its full ansible package with the community collections (default: full only when a playbook uses a module of those collections)"},
    ansible_version: {schema: {kind: 'string', pattern: VERSION, what: 'a version such as "2.16" or "2.16.3" (quoted), or a pip specifier such as ">=2.15,<2.17"'}, doc: 'an ansible-core version installed with pip (needs the network)'},
    playbook: {schema: {kind: 'strings'}, files: 'file', required: true, doc: 'playbooks, each one step'},
    prepare: {schema: {kind: 'strings'}, files: 'file', doc: 'playbooks run once before `playbook`, each one step, outside the idempotence pass'},
    side_effect: {schema: {kind: 'strings'}, files: 'file', doc: 'playbooks run after `playbook` and after the idempotence pass, each one step'},
    roles_path: {schema: {kind: 'strings'}, files: 'folder', doc: 'folders of roles (ANSIBLE_ROLES_PATH)'},
    requirements: {schema: {kind: 'strings'}, doc: 'ansible-galaxy requirement files (default: requirements.yml, roles/requirements.yml, collections/requirements.yml when present; none: no requirements)'},
    extra_vars: {schema: {kind: 'vars'}, doc: 'variables passed with -e'},
    inventory: {schema: {kind: 'vars'}, doc: 'host variables of the instance'},
  },
  read: (raw: Raw): AnsibleSettings => {
    const requirements = stringList(raw.requirements)
    return {
      ...(raw.package !== undefined ? {package: String(raw.package)} : {}),
      ...(raw.ansible !== undefined ? {flavour: raw.ansible as Flavour} : {}),
      ...(raw.ansible_version !== undefined ? {version: String(raw.ansible_version)} : {}),
      playbooks: stringList(raw.playbook) ?? [],
      ...(raw.prepare !== undefined ? {prepare: stringList(raw.prepare)} : {}),
      ...(raw.side_effect !== undefined ? {sideEffects: stringList(raw.side_effect)} : {}),
      ...(raw.roles_path !== undefined ? {rolesPath: stringList(raw.roles_path)} : {}),
      ...(requirements !== undefined ? {requirements: requirements.length === 1 && requirements[0] === 'none' ? [] : requirements} : {}),
      ...(raw.extra_vars !== undefined ? {extraVars: varsOf(raw.extra_vars)} : {}),
      ...(raw.inventory !== undefined ? {inventory: varsOf(raw.inventory)} : {}),
    }
  },
  check(p, spec, check) {
    if (p.package && (p.flavour || p.version)) {
      check.error(`\`package:\` names the Debian package itself; \`${p.flavour ? 'ansible' : 'ansible_version'}:\` chooses for you`, {key: 'package'}, 'Give one of them.')
    }
    for (const rel of p.requirements ?? []) {
      const problem = pathProblem(check.root, rel, 'file')
      if (problem) check.error(`requirements \`${rel}\` ${problem}`, {key: 'requirements', value: rel}, 'Paths are relative to the folder holding galley.yml; `requirements: none` installs none.')
    }
    if (stagePlaybooks(p).some((pb) => pathProblem(check.root, pb, 'file'))) return
    const plan = planSuite(spec, p, check.root)
    for (const r of plan.requirements.problems) check.error(r.line ? `${r.file}:${r.line}: ${r.message}` : r.message, {key: 'requirements'}, r.hint)
    for (const m of plan.modules.problems) check.error(m.message, settingOf(p, m.file), m.hint)
  },
  kitchen: {plugins: ['ansible_playbook'], map: mapAnsible},
  steps: ansibleSteps,
})
