/**
 * What every ansible-playbook run in an instance shares: its environment (the requirements' folders
 * on Ansible's paths) and the inventory that holds the instance itself, reached through a local
 * connection. The ansible verifier runs its playbooks with the same.
 */
import type {InstanceSpec} from '../../config/types.js'
import {inProject} from '../step.js'
import {factCacheEnv} from './facts.js'
import {COLLECTIONS_DIR, ROLES_DIR} from './galaxy.js'

/** Galley's own files for ansible inside the instance, outside the project folder. */
export const ANSIBLE_DIR = '/tmp/galley-ansible'
export const INVENTORY = `${ANSIBLE_DIR}/inventory.json`

/** Ansible's own defaults, kept after Galley's folders. */
const DEFAULT_COLLECTIONS = '~/.ansible/collections:/usr/share/ansible/collections'
const DEFAULT_ROLES = '~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles'

/**
 * The environment of ansible-playbook: plain output, no retry files, facts gathered once per
 * container (./facts.ts); `rolesPath` (project folders), the folder of links to the role under test
 * (`roleLinks`), and, when a requirements step installed something, its folders on the collections
 * and roles paths.
 */
export function ansibleEnv(spec: InstanceSpec, rolesPath: string[] | undefined, requirements: boolean, roleLinks?: string): Record<string, string> {
  const galleys = [...(roleLinks ? [roleLinks] : []), ...(requirements ? [ROLES_DIR] : [])]
  const roles = [...(rolesPath ?? []).map(inProject), ...galleys, ...(galleys.length ? [DEFAULT_ROLES] : [])]
  const env: Record<string, string> = {
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_LOCALHOST_WARNING: '0',
    ANSIBLE_INVENTORY_UNPARSED_WARNING: '0',
    ...factCacheEnv(),
    ...(roles.length ? {ANSIBLE_ROLES_PATH: roles.join(':')} : {}),
    // The singular name: ansible-core 2.10 to 2.19 all read it (the plural is gone in 2.19).
    ...(requirements ? {ANSIBLE_COLLECTIONS_PATH: `${COLLECTIONS_DIR}:${DEFAULT_COLLECTIONS}`} : {}),
    ...spec.provisioner.env,
  }
  // A roles path of the suite's own env still finds the role under test, as Molecule's does.
  const given = spec.provisioner.env.ANSIBLE_ROLES_PATH
  if (roleLinks && given !== undefined) env.ANSIBLE_ROLES_PATH = given ? `${given}:${roleLinks}` : roleLinks
  return env
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

/** A file to write in the instance before the run. */
export interface RunFile {
  path: string
  content: string
}

/** What a run sets up around ansible-playbook: more files to write, links to make, flags, and a wrapper (to run it as a user). */
export interface RunSetup {
  flags?: string[]
  files?: RunFile[]
  /** Links to make first (path → target), such as the role under test's names. */
  links?: {path: string; target: string}[]
  wrap?: (argv: string[]) => string[]
}

/**
 * A shell command that writes `files`, makes `links`, then runs `argv`; contents and paths are
 * passed as arguments, so there is no quoting to get wrong.
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

/** The argv that writes the inventory into the instance (with what `setup` adds) and runs ansible-playbook on a project playbook. */
export function playbookArgv(inventory: Record<string, unknown>, playbook: string, extraVars?: Record<string, unknown>, setup: RunSetup = {}): string[] {
  const command = ['ansible-playbook', '-i', INVENTORY, ...(setup.flags ?? []), ...(extraVars ? ['-e', JSON.stringify(extraVars)] : []), inProject(playbook)]
  return setUpThenRun([{path: INVENTORY, content: JSON.stringify(inventory)}, ...(setup.files ?? [])], setup.links ?? [], setup.wrap ? setup.wrap(command) : command)
}
