/**
 * The ansible provisioner: Debian's ansible inside the instance, run against the instance itself
 * through a local connection (the driver's exec; no SSH). Each playbook is one step.
 */
import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'
import type {InstanceSpec} from '../config/types.js'
import {emptyMapping, isObject, type PluginInput, type ProvisionerMapping} from '../kitchen/mapper.js'
import type {Verdict} from '../model.js'
import {projectFiles} from './files.js'
import {defineProvisioner, stringList, varsOf, type Raw} from './plugin.js'
import {inProject, installStep, stepEnv, writeThenRun, type ProvisionStep} from './step.js'

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

export interface AnsibleRecap {
  host: string
  ok: number
  changed: number
  unreachable: number
  failed: number
}

export interface AnsibleRun {
  recap: AnsibleRecap[]
  /** Tasks and handlers that reported `changed`, by their TASK line's name, in order, once each. */
  changedTasks: string[]
}

/** Reads ansible-playbook's default output: which tasks changed, and the PLAY RECAP. */
export function parseAnsibleOutput(output: string): AnsibleRun {
  const recap: AnsibleRecap[] = []
  const changedTasks: string[] = []
  let task = ''
  let inRecap = false
  for (const line of output.split('\n')) {
    const header = /^(?:TASK|RUNNING HANDLER) \[(.*)\] \**\s*$/.exec(line)
    if (header) {
      task = header[1]
      inRecap = false
      continue
    }
    if (/^PLAY RECAP \**/.test(line)) {
      inRecap = true
      continue
    }
    if (inRecap) {
      const m = /^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(line)
      if (m) recap.push({host: m[1], ok: Number(m[2]), changed: Number(m[3]), unreachable: Number(m[4]), failed: Number(m[5])})
      continue
    }
    if (/^changed: \[/.test(line) && task && !changedTasks.includes(task)) changedTasks.push(task)
  }
  return {recap, changedTasks}
}

/** Names a playbook's plays target that can be inventory groups (patterns and `all` cannot). */
export function playbookGroups(root: string, playbook: string, seen = new Set<string>()): string[] {
  if (seen.has(playbook) || seen.size > 20) return []
  seen.add(playbook)
  let plays: unknown
  try {
    plays = parse(readFileSync(path.join(root, playbook), 'utf8'))
  } catch {
    return []
  }
  const groups = new Set<string>()
  for (const play of Array.isArray(plays) ? plays : []) {
    if (typeof play !== 'object' || play === null) continue
    const p = play as Record<string, unknown>
    const hosts = typeof p.hosts === 'string' ? p.hosts.split(/[,:]/) : Array.isArray(p.hosts) ? p.hosts.map(String) : []
    for (const h of hosts.map((x) => x.trim().replace(/^[!&]/, ''))) {
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(h) && h !== 'all' && h !== 'localhost' && h !== 'ungrouped') groups.add(h)
    }
    const imported = p.import_playbook ?? p['ansible.builtin.import_playbook']
    if (typeof imported === 'string' && !imported.includes('{{')) {
      for (const g of playbookGroups(root, path.join(path.dirname(playbook), imported), seen)) groups.add(g)
    }
  }
  return [...groups]
}

/** A module key written with a collection's full name outside ansible-core (`community.general.ufw:`). */
const COLLECTION_MODULE = /^\s*(?:-\s+)?(?!ansible\.(?:builtin|legacy)\.)[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+:/m

/**
 * Debian's `ansible-core` (small) unless the playbooks or roles name modules of other collections,
 * which Debian's `ansible` package carries; `package:` decides when set.
 */
export function ansiblePackage(p: AnsibleSettings, root: string): string {
  if (p.package) return p.package
  for (const rel of ansiblePaths(p)) {
    for (const file of projectFiles(root, rel)) {
      if (/\.ya?ml$/.test(file) && COLLECTION_MODULE.test(readFileSync(path.join(root, file), 'utf8'))) return 'ansible'
    }
  }
  return 'ansible-core'
}

/** The folders a playbook step reads: each playbook's folder (its roles, vars and templates) and roles_path. */
function ansiblePaths(p: AnsibleSettings): string[] {
  return [...new Set([...(p.playbooks ?? []).map((pb) => path.dirname(pb)), ...(p.rolesPath ?? [])])]
}

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

function judgeConverge(playbook: string, code: number, output: string): Verdict {
  if (code !== 0) return {ok: false, message: `ansible-playbook ${playbook} failed (exit ${code})`}
  if (parseAnsibleOutput(output).recap.length === 0) {
    return {ok: false, message: `no play of ${playbook} ran on this instance: its hosts: match nothing Galley's inventory holds (the instance, localhost and the groups the plays name)`}
  }
  return {ok: true}
}

export function judgeSecondRun(playbook: string, code: number, output: string): Verdict {
  if (code !== 0) return {ok: false, message: `the second run of ${playbook} failed (exit ${code})`}
  const run = parseAnsibleOutput(output)
  const changed = run.recap.reduce((n, r) => n + r.changed, 0)
  if (changed === 0) return {ok: true}
  const names = run.changedTasks.length ? `: ${run.changedTasks.join(', ')}` : ''
  return {ok: false, message: `the second run of ${playbook} changed ${changed} task${changed === 1 ? '' : 's'} (changed=${changed})${names}`}
}

/** Test Kitchen's settings for this tool, for `galley import`. */
function mapAnsible({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
  const out = emptyMapping()
  const nameAt = p.at('name')
  const at = p.at('playbook')
  let playbook = p.has('playbook') ? imp.str(p, 'playbook') : undefined
  if (!playbook && !p.has('playbook')) {
    playbook = imp.findFile([`test/integration/${suite}/ansible/default.yml`, `test/integration/${suite}/default.yml`, 'test/integration/default.yml', 'default.yml'])
  }
  const rel = playbook ? imp.relPath(playbook, at?.pos, at?.where ?? 'provisioner.playbook') : undefined
  if (rel) {
    out.provisioner.name = 'ansible'
    out.provisioner.playbook = rel
  } else if (!playbook && nameAt) {
    imp.report('unmapped', nameAt.pos, nameAt.where, `suite \`${suite}\` names no playbook and none of kitchen-ansible's defaults (default.yml under test/integration) exists; no ansible step was made`)
  }
  if (p.has('roles_path')) {
    const rAt = p.at('roles_path')!
    const paths = (imp.list(p, 'roles_path') ?? []).map((r) => imp.relPath(r, rAt.pos, rAt.where)).filter((r): r is string => r !== undefined)
    if (paths.length > 0 && rel) out.provisioner.roles_path = paths.length === 1 ? paths[0] : paths
  } else if (rel && imp.exists('roles') && statSync(path.resolve(imp.root, 'roles')).isDirectory()) {
    const r = imp.relPath('roles', undefined, '')
    if (r) out.provisioner.roles_path = r
  }
  if (p.has('extra_vars')) {
    const eAt = p.at('extra_vars')!
    const vars = imp.value(p, 'extra_vars')
    if (isObject(vars)) {
      if (Object.keys(vars).length > 0 && rel) out.provisioner.extra_vars = vars
    } else if (vars !== undefined) imp.report('unmapped', eAt.pos, eAt.where, 'extra_vars that is not a mapping (a file with @) is not imported: write the variables as a mapping')
  }
  if (p.has('idempotency_test')) {
    if (p.take('idempotency_test') === true && rel) out.provisioner.idempotence = true
  }
  if (p.has('custom_pre_install_command')) {
    const run = imp.str(p, 'custom_pre_install_command')
    if (run) out.steps.push({name: 'custom_pre_install_command', run})
  }
  return out
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
