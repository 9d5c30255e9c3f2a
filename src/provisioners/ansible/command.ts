/**
 * One ansible-playbook run against the instance, as every playbook of a suite gets it (converge,
 * prepare, side effects, and the ansible verifier's): the provisioner's environment and inventory
 * (./inventory.ts), and the role under test on the roles path under its names.
 */
import path from 'node:path'
import type {InstanceSpec} from '../../config/types.js'
import {PROJECT_DIR} from '../../model.js'
import {inProject} from '../step.js'
import {ANSIBLE_DIR, ansibleEnv, inventoryOf, playbookArgv, type RunFile} from './inventory.js'
import type {AnsiblePlan} from './plan.js'
import {playbookGroups} from './playbooks.js'
import {roleUnderTest, type RoleUnderTest} from './role-under-test.js'

export {ANSIBLE_DIR} from './inventory.js'
/** Links named after the role under test (`my_role`, `acme.my_role`) to its folder. */
const ROLE_LINKS = `${ANSIBLE_DIR}/roles`

/** The settings a run reads (the provisioner's). */
export interface RunSettings {
  rolesPath?: string[]
  extraVars?: Record<string, unknown>
  inventory?: Record<string, unknown>
}

export interface PlaybookRun {
  argv: string[]
  env: Record<string, string>
  /** The groups the plays name, which the inventory puts the instance in. */
  groups: string[]
  /** The role the playbook sits in, on the roles path under its names. */
  role?: RoleUnderTest
}

/** Where a path the instance's ansible reports (a task's file) is in the project, when it is in it. */
export function projectPath(file: string, role: RoleUnderTest | undefined): string | undefined {
  const under = (prefix: string) => (file.startsWith(`${prefix}/`) ? file.slice(prefix.length + 1) : undefined)
  const inside = under(PROJECT_DIR)
  if (inside !== undefined) return path.posix.normalize(inside)
  for (const name of role?.names ?? []) {
    const rest = under(`${ROLE_LINKS}/${name}`)
    if (rest !== undefined) return path.posix.normalize(path.posix.join(role!.dir, rest))
  }
  return undefined
}

/** Whether the plan installs requirements (its folders then go on Ansible's paths). */
export const hasRequirements = (plan: AnsiblePlan): boolean => plan.requirements.collections.length + plan.requirements.roles.length > 0

/** What a run adds to a playbook step's: files to write first, environment, and a wrapper of the ansible-playbook command (to run it as a user). */
export interface RunExtras {
  files?: RunFile[]
  env?: Record<string, string>
  wrap?: (argv: string[]) => string[]
}

/** ansible-playbook of `playbook` against the instance, set up as a converge step's, with `extra` added. */
export function playbookRun(spec: InstanceSpec, p: RunSettings, root: string, playbook: string, plan: AnsiblePlan, extra: RunExtras = {}): PlaybookRun {
  const groups = playbookGroups(root, playbook)
  const role = roleUnderTest(root, playbook)
  const env = {...ansibleEnv(spec, p.rolesPath, hasRequirements(plan), role ? ROLE_LINKS : undefined), ...extra.env}
  const links = role ? role.names.map((name) => ({path: `${ROLE_LINKS}/${name}`, target: role.dir === '.' ? PROJECT_DIR : inProject(role.dir)})) : []
  const argv = playbookArgv(inventoryOf(spec.name, p.inventory, groups), playbook, p.extraVars, {links, ...(extra.files ? {files: extra.files} : {}), ...(extra.wrap ? {wrap: extra.wrap} : {})})
  return {argv, env, groups, ...(role ? {role} : {})}
}
