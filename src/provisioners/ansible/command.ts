/**
 * One ansible-playbook run against the instance, as every playbook of a suite gets it (converge,
 * prepare, side effects, and the ansible verifier's): the environment, the inventory that holds the
 * instance in the groups the plays name, and the role under test on the roles path.
 */
import type {InstanceSpec} from '../../config/types.js'
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
  const writes = files.map((f, i) => `mkdir -p "$(dirname ${arg(i + 1)})" && printf '%s\\n' ${arg(files.length + links.length * 2 + i + 1)} > ${arg(i + 1)}`)
  const made = links.map((_, j) => {
    const at = files.length + 2 * j + 1
    return `mkdir -p "$(dirname ${arg(at)})" && ln -sfn ${arg(at + 1)} ${arg(at)}`
  })
  const count = files.length * 2 + links.length * 2
  const args = [...files.map((f) => f.path), ...links.flatMap((l) => [l.path, l.target]), ...files.map((f) => f.content)]
  return ['/bin/sh', '-c', [...writes, ...made, `shift ${count}`, 'exec "$@"'].join(' && '), 'galley', ...args, ...argv]
}

/** ansible-playbook of `playbook` against the instance, with `files` written first and `env` added. */
export function playbookRun(spec: InstanceSpec, p: AnsibleSettings, root: string, playbook: string, extra: {files?: RunFile[]; env?: Record<string, string>} = {}): PlaybookRun {
  const groups = playbookGroups(root, playbook)
  const role = roleUnderTest(root, playbook)
  const base = ansibleEnv(spec, p)
  const env = {
    ...base,
    ...(role ? {ANSIBLE_ROLES_PATH: [...(base.ANSIBLE_ROLES_PATH ? [base.ANSIBLE_ROLES_PATH] : []), ROLE_LINKS, ...(base.ANSIBLE_ROLES_PATH ? [] : DEFAULT_ROLES_PATH)].join(':')} : {}),
    ...extra.env,
  }
  const links = role ? role.names.map((name) => ({path: `${ROLE_LINKS}/${name}`, target: role.dir === '.' ? PROJECT_DIR : inProject(role.dir)})) : []
  const argv = setUpThenRun([{path: INVENTORY, content: JSON.stringify(inventoryOf(spec, p, groups))}, ...(extra.files ?? [])], links, [
    'ansible-playbook',
    '-i',
    INVENTORY,
    ...(p.extraVars ? ['-e', JSON.stringify(p.extraVars)] : []),
    inProject(playbook),
  ])
  return {argv, env, groups, ...(role ? {role} : {})}
}
