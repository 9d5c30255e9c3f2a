/**
 * What every ansible-playbook run in an instance shares: its environment (the requirements' folders
 * on Ansible's paths) and the inventory that holds the instance itself, reached through a local
 * connection. The ansible verifier runs its playbooks with the same.
 */
import type {InstanceSpec} from '../../config/types.js'
import {inProject, writeThenRun} from '../step.js'
import {COLLECTIONS_DIR, ROLES_DIR} from './galaxy.js'

export const INVENTORY = '/tmp/galley-ansible/inventory.json'

/** Ansible's own defaults, kept after Galley's folders. */
const DEFAULT_COLLECTIONS = '~/.ansible/collections:/usr/share/ansible/collections'
const DEFAULT_ROLES = '~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles'

/**
 * The environment of ansible-playbook: plain output, no retry files; `rolesPath` (project folders)
 * and, when a requirements step installed something, its folders on the collections and roles paths.
 */
export function ansibleEnv(spec: InstanceSpec, rolesPath: string[] | undefined, requirements: boolean): Record<string, string> {
  const roles = [...(rolesPath ?? []).map(inProject), ...(requirements ? [ROLES_DIR, DEFAULT_ROLES] : [])]
  return {
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_LOCALHOST_WARNING: '0',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: '0',
    ...(roles.length ? {ANSIBLE_ROLES_PATH: roles.join(':')} : {}),
    // The singular name: ansible-core 2.10 to 2.19 all read it (the plural is gone in 2.19).
    ...(requirements ? {ANSIBLE_COLLECTIONS_PATH: `${COLLECTIONS_DIR}:${DEFAULT_COLLECTIONS}`} : {}),
    ...spec.provisioner.env,
  }
}

/** The inventory: the instance as `host`, with its host vars, in `all` and in each of `groups`. */
export function inventoryOf(host: string, hostVars: Record<string, unknown> | undefined, groups: string[]): Record<string, unknown> {
  return {
    all: {
      hosts: {[host]: {...(hostVars ?? {})}},
      vars: {ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3'},
      children: Object.fromEntries(groups.map((g) => [g, {hosts: {[host]: null}}])),
    },
  }
}

/** The argv that writes the inventory into the instance and runs ansible-playbook on a project playbook. */
export function playbookArgv(inventory: Record<string, unknown>, playbook: string, extraVars?: Record<string, unknown>, flags: string[] = []): string[] {
  return writeThenRun([{path: INVENTORY, content: JSON.stringify(inventory)}], [
    'ansible-playbook',
    '-i',
    INVENTORY,
    ...flags,
    ...(extraVars ? ['-e', JSON.stringify(extraVars)] : []),
    inProject(playbook),
  ])
}
