/**
 * One ansible-playbook run against the instance, as every playbook of a suite gets it (converge,
 * prepare, side effects, and the ansible verifier's): the environment, the inventory that holds the
 * instance in the groups the plays name, and the role under test on the roles path.
 */
import type {InstanceSpec} from '../../config/types.js'
import path from 'node:path'
import {PROJECT_DIR} from '../../model.js'
import {inProject} from '../step.js'
import type {AnsibleSettings} from './index.js'
import {playbookGroups} from './playbooks.js'
import {roleUnderTest, type RoleUnderTest} from './role-under-test.js'

/** Galley's own files for ansible inside the instance, outside the project folder. */
export const ANSIBLE_DIR = '/tmp/galley-ansible'
const INVENTORY = `${ANSIBLE_DIR}/inventory.json`
/** Links named after the role under test (`my_role`, `acme.my_role`) to its folder. */
const ROLE_LINKS = `${ANSIBLE_DIR}/roles`
/** Ansible's own roles path, kept when the role under test is added to it. */
const DEFAULT_ROLES_PATH = ['~/.ansible/roles', '/usr/share/ansible/roles', '/etc/ansible/roles']

/** A file to write in the instance before the run. */
export interface RunFile {
  path: string
  content: string
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

/** The environment of every ansible-playbook run of a suite: quiet, unbuffered, its roles path, then the suite's env. */
export function ansibleEnv(spec: InstanceSpec, p: AnsibleSettings): Record<string, string> {
  return {
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_LOCALHOST_WARNING: '0',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: '0',
    ...(p.rolesPath ? {ANSIBLE_ROLES_PATH: p.rolesPath.map(inProject).join(':')} : {}),
    ...spec.provisioner.env,
  }
}

/** The inventory: the instance (with `inventory:` as its host vars) in every group the plays name, through a local connection. */
export function inventoryOf(spec: InstanceSpec, p: AnsibleSettings, groups: string[]): Record<string, unknown> {
  const host = spec.name
  return {
    all: {
      hosts: {[host]: {...(p.inventory ?? {})}},
      vars: {ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3'},
      children: Object.fromEntries(groups.map((g) => [g, {hosts: {[host]: null}}])),
    },
  }
}

/**
 * A shell command that writes `files`, makes `links` (path → target), then runs `argv`; contents
 * and paths are passed as arguments, so there is no quoting to get wrong.
 */
export function setUpThenRun(files: RunFile[], links: {path: string; target: string}[], argv: string[]): string[] {
  const arg = (n: number) => `"\${${n}}"`
  const writes = files.map((_, i) => `mkdir -p "$(dirname ${arg(i + 1)})" && printf '%s\\n' ${arg(files.length + links.length * 2 + i + 1)} > ${arg(i + 1)}`)
  const made = links.map((_, j) => {
    const at = files.length + 2 * j + 1
    return `mkdir -p "$(dirname ${arg(at)})" && ln -sfn ${arg(at + 1)} ${arg(at)}`
  })
  const count = files.length * 2 + links.length * 2
  const args = [...files.map((f) => f.path), ...links.flatMap((l) => [l.path, l.target]), ...files.map((f) => f.content)]
  return ['/bin/sh', '-c', [...writes, ...made, `shift ${count}`, 'exec "$@"'].join(' && '), 'galley', ...args, ...argv]
}

/** What a run adds to a playbook step's: files to write first, environment, and a wrapper of the ansible-playbook command (to run it as a user). */
export interface RunExtras {
  files?: RunFile[]
  env?: Record<string, string>
  wrap?: (argv: string[]) => string[]
}

/** ansible-playbook of `playbook` against the instance, set up as a converge step's, with `extra` added. */
export function playbookRun(spec: InstanceSpec, p: AnsibleSettings, root: string, playbook: string, extra: RunExtras = {}): PlaybookRun {
  const groups = playbookGroups(root, playbook)
  const role = roleUnderTest(root, playbook)
  const base = ansibleEnv(spec, p)
  const env = {
    ...base,
    ...(role ? {ANSIBLE_ROLES_PATH: [...(base.ANSIBLE_ROLES_PATH ? [base.ANSIBLE_ROLES_PATH] : []), ROLE_LINKS, ...(base.ANSIBLE_ROLES_PATH ? [] : DEFAULT_ROLES_PATH)].join(':')} : {}),
    ...extra.env,
  }
  const links = role ? role.names.map((name) => ({path: `${ROLE_LINKS}/${name}`, target: role.dir === '.' ? PROJECT_DIR : inProject(role.dir)})) : []
  const command = ['ansible-playbook', '-i', INVENTORY, ...(p.extraVars ? ['-e', JSON.stringify(p.extraVars)] : []), inProject(playbook)]
  const argv = setUpThenRun([{path: INVENTORY, content: JSON.stringify(inventoryOf(spec, p, groups))}, ...(extra.files ?? [])], links, extra.wrap ? extra.wrap(command) : command)
  return {argv, env, groups, ...(role ? {role} : {})}
}
