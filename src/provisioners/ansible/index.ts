/**
 * The ansible provisioner: Debian's ansible inside the instance, run against the instance itself
 * through a local connection (the driver's exec; no SSH). Each playbook is one step: `prepare`
 * playbooks first, then `playbook`, then `side_effect` playbooks after the idempotence pass.
 */
import type {InstanceSpec} from '../../config/types.js'
import {defineProvisioner, stringList, varsOf, type Raw} from '../plugin.js'
import {installStep, stepEnv, type ProvisionStep} from '../step.js'
import {playbookRun} from './command.js'
import {mapAnsible} from './kitchen.js'
import {judgeConverge, judgeSecondRun} from './output.js'
import {ansiblePackage, ansiblePaths} from './playbooks.js'
import {roleUnderTest} from './role-under-test.js'

export interface AnsibleSettings {
  /** The Debian package that provides ansible-playbook when the platform lacks it. */
  package?: string
  /** Each playbook is one step. */
  playbooks: string[]
  /** Playbooks run once before the others, outside the idempotence pass (Molecule's prepare). */
  prepare?: string[]
  /** Playbooks run after the others and after the idempotence pass (Molecule's side_effect). */
  sideEffects?: string[]
  rolesPath?: string[]
  /** `-e` vars, and host vars of the instance. */
  extraVars?: Record<string, unknown>
  inventory?: Record<string, unknown>
}

type Stage = 'prepare' | 'converge' | 'side_effect'

/** The step that makes ansible-playbook available: Debian's ansible-core (or ansible, when playbooks need its collections). */
export function ansibleInstall(spec: InstanceSpec, p: AnsibleSettings, root: string): ProvisionStep {
  const roles = [...(p.prepare ?? []), ...p.playbooks, ...(p.sideEffects ?? [])].flatMap((pb) => roleUnderTest(root, pb)?.dir ?? [])
  // python3-apt for the apt module; sudo because plays say `become: true`, and sudo from root asks nothing.
  return installStep(spec, 'ansible', ['ansible-playbook'], [ansiblePackage(p, root, roles), 'python3-apt', 'sudo'], {systemctlShim: true})
}

function ansibleSteps(spec: InstanceSpec, p: AnsibleSettings, root: string): ProvisionStep[] {
  const step = (playbook: string, stage: Stage): ProvisionStep => {
    const {argv, env, groups, role} = playbookRun(spec, p, root, playbook)
    return {
      kind: 'step',
      name: playbook,
      argv,
      env,
      expected: 0,
      command: `ansible-playbook ${playbook}`,
      judge: (code, output) => judgeConverge(playbook, code, output),
      cache: {
        env: stepEnv(spec, env),
        settings: {playbook, groups, inventory: p.inventory ?? null, extraVars: p.extraVars ?? null, ...(stage === 'converge' ? {} : {stage})},
        paths: [...new Set([...ansiblePaths(p), ...(role ? [role.dir] : [])])],
      },
      // Molecule's idempotence pass runs converge alone: prepare ran once, side effects come after it.
      ...(stage === 'converge' ? {recheck: {kind: 'idempotence', name: playbook, argv, env, expected: 0, judge: (code: number, output: string) => judgeSecondRun(playbook, code, output)}} : {}),
      ...(stage === 'side_effect' ? {afterIdempotence: true} : {}),
    }
  }
  return [
    ansibleInstall(spec, p, root),
    ...(p.prepare ?? []).map((pb) => step(pb, 'prepare')),
    ...p.playbooks.map((pb) => step(pb, 'converge')),
    ...(p.sideEffects ?? []).map((pb) => step(pb, 'side_effect')),
  ]
}

export const ansible = defineProvisioner<AnsibleSettings>({
  name: 'ansible',
  summary: "Debian's ansible inside the instance, each playbook one step, through a local connection",
  settings: {
    package: {schema: {kind: 'string'}, doc: 'the Debian package that provides the tool when the platform lacks it'},
    playbook: {schema: {kind: 'strings'}, files: 'file', required: true, doc: 'playbooks, each one step'},
    prepare: {schema: {kind: 'strings'}, files: 'file', doc: 'playbooks run once before `playbook`, each one step, outside the idempotence pass'},
    side_effect: {schema: {kind: 'strings'}, files: 'file', doc: 'playbooks run after `playbook` and after the idempotence pass, each one step'},
    roles_path: {schema: {kind: 'strings'}, files: 'folder', doc: 'folders of roles (ANSIBLE_ROLES_PATH)'},
    extra_vars: {schema: {kind: 'vars'}, doc: 'variables passed with -e'},
    inventory: {schema: {kind: 'vars'}, doc: 'host variables of the instance'},
  },
  read: (raw: Raw): AnsibleSettings => ({
    ...(raw.package !== undefined ? {package: String(raw.package)} : {}),
    playbooks: stringList(raw.playbook) ?? [],
    ...(raw.prepare !== undefined ? {prepare: stringList(raw.prepare)} : {}),
    ...(raw.side_effect !== undefined ? {sideEffects: stringList(raw.side_effect)} : {}),
    ...(raw.roles_path !== undefined ? {rolesPath: stringList(raw.roles_path)} : {}),
    ...(raw.extra_vars !== undefined ? {extraVars: varsOf(raw.extra_vars)} : {}),
    ...(raw.inventory !== undefined ? {inventory: varsOf(raw.inventory)} : {}),
  }),
  kitchen: {plugins: ['ansible_playbook'], map: mapAnsible},
  steps: ansibleSteps,
})
