/**
 * The ansible provisioner: Debian's ansible inside the instance, run against the instance itself
 * through a local connection (the driver's exec; no SSH). Each playbook is one step.
 */
import type {InstanceSpec} from '../../config/types.js'
import {defineProvisioner, stringList, varsOf, type Raw} from '../plugin.js'
import {inProject, installStep, stepEnv, writeThenRun, type ProvisionStep} from '../step.js'
import {mapAnsible} from './kitchen.js'
import {factCacheEnv} from './facts.js'
import {judgeConverge, judgeSecondRun} from './output.js'
import {ansiblePackage, ansiblePaths, playbookGroups} from './playbooks.js'

export interface AnsibleSettings {
  /** The Debian package that provides ansible-playbook when the platform lacks it. */
  package?: string
  /** Each playbook is one step. */
  playbooks: string[]
  rolesPath?: string[]
  /** `-e` vars, and host vars of the instance. */
  extraVars?: Record<string, unknown>
  inventory?: Record<string, unknown>
}

const INVENTORY = '/tmp/galley-ansible/inventory.json'

function ansibleSteps(spec: InstanceSpec, p: AnsibleSettings, root: string): ProvisionStep[] {
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
    ...(p.rolesPath ? {ANSIBLE_ROLES_PATH: p.rolesPath.map(inProject).join(':')} : {}),
    ...spec.provisioner.env,
  }
  // python3-apt for the apt module; sudo because plays say `become: true`, and sudo from root asks nothing.
  const install = installStep(spec, 'ansible', ['ansible-playbook'], [ansiblePackage(p, root), 'python3-apt', 'sudo'], {systemctlShim: true})
  const steps = p.playbooks.map((playbook): ProvisionStep => {
    const groups = playbookGroups(root, playbook)
    const host = spec.name
    const inventory = {
      all: {
        hosts: {[host]: {...(p.inventory ?? {})}},
        vars: {ansible_connection: 'local', ansible_python_interpreter: '/usr/bin/python3'},
        children: Object.fromEntries(groups.map((g) => [g, {hosts: {[host]: null}}])),
      },
    }
    const argv = writeThenRun([{path: INVENTORY, content: JSON.stringify(inventory)}], [
      'ansible-playbook',
      '-i',
      INVENTORY,
      ...(p.extraVars ? ['-e', JSON.stringify(p.extraVars)] : []),
      inProject(playbook),
    ])
    return {
      kind: 'step',
      name: playbook,
      argv,
      env,
      expected: 0,
      command: `ansible-playbook ${playbook}`,
      judge: (code, output) => judgeConverge(playbook, code, output),
      cache: {env: stepEnv(spec, env), settings: {playbook, groups, inventory: p.inventory ?? null, extraVars: p.extraVars ?? null}, paths: ansiblePaths(p)},
      recheck: {kind: 'idempotence', name: playbook, argv, env, expected: 0, judge: (code, output) => judgeSecondRun(playbook, code, output)},
    }
  })
  return [install, ...steps]
}

export const ansible = defineProvisioner<AnsibleSettings>({
  name: 'ansible',
  summary: "Debian's ansible inside the instance, each playbook one step, through a local connection",
  settings: {
    package: {schema: {kind: 'string'}, doc: 'the Debian package that provides the tool when the platform lacks it'},
    playbook: {schema: {kind: 'strings'}, files: 'file', required: true, doc: 'playbooks, each one step'},
    roles_path: {schema: {kind: 'strings'}, files: 'folder', doc: 'folders of roles (ANSIBLE_ROLES_PATH)'},
    extra_vars: {schema: {kind: 'vars'}, doc: 'variables passed with -e'},
    inventory: {schema: {kind: 'vars'}, doc: 'host variables of the instance'},
  },
  read: (raw: Raw): AnsibleSettings => ({
    ...(raw.package !== undefined ? {package: String(raw.package)} : {}),
    playbooks: stringList(raw.playbook) ?? [],
    ...(raw.roles_path !== undefined ? {rolesPath: stringList(raw.roles_path)} : {}),
    ...(raw.extra_vars !== undefined ? {extraVars: varsOf(raw.extra_vars)} : {}),
    ...(raw.inventory !== undefined ? {inventory: varsOf(raw.inventory)} : {}),
  }),
  kitchen: {plugins: ['ansible_playbook'], map: mapAnsible},
  steps: ansibleSteps,
})
