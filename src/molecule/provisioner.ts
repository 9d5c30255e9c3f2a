/**
 * Molecule's ansible provisioner (and the `ansible:` section of newer files): the playbooks of
 * each action, the inventory's variables of each platform, the environment (with Molecule's own
 * variables as they are inside the instance), and the galaxy dependency's requirements files.
 */
import path from 'node:path'
import {isObject, posOf, type Raw} from '../import/tree.js'
import type {SourcePosition} from '../errors.js'
import type {MoleculeImport, Section} from './context.js'
import {describe} from './context.js'
import type {PlatformOut} from './platforms.js'
import {readVarsFolder} from './vars.js'

/** The actions whose playbooks Galley runs; the others are reported when their playbook exists. */
export type Action = 'prepare' | 'converge' | 'side_effect' | 'verify' | 'cleanup' | 'create' | 'destroy'

export interface Scenario {
  imp: MoleculeImport
  /** The scenario's folder. */
  dir: string
  name: string
  /** molecule.yml as reports show it. */
  file: string
  driver: string
  /** Molecule's variables (MOLECULE_PROJECT_DIRECTORY ...) as they are inside the instance. */
  molecule: Record<string, string>
}

export interface Playbook {
  /** As galley.yml names it. */
  rel: string
  at: SourcePosition
  key: string
}

const NOT_PASSED = 'Galley runs ansible-playbook with the inventory and extra vars only; '
const REASONS: Record<string, string> = {
  config_options: NOT_PASSED + 'ansible.cfg options are not written (set the matching ANSIBLE_* variables in the provisioner env)',
  options: NOT_PASSED + 'its command-line options are not passed',
  ansible_args: NOT_PASSED + 'extra arguments are not passed',
  connection_options: 'Galley connects to the instance locally (ansible_connection: local); connection options have no place',
  log: "Galley keeps each run's output in .galley/logs/",
  lint: 'Galley does not lint playbooks',
  children: "Galley puts the instance in every group its plays' hosts: name; nested groups are not made",
  cfg: NOT_PASSED + 'ansible.cfg options are not written (set the matching ANSIBLE_* variables in the provisioner env)',
  executor: 'Galley runs ansible-playbook itself (no ansible-navigator, no extra arguments)',
}

/** The playbook of `action`: written in `playbooks` (for every driver, or this driver), else the scenario's default file when it exists. */
export function playbookOf(s: Scenario, playbooks: Section | undefined, action: Action): Playbook | undefined {
  let written: unknown = playbooks?.has(action) ? playbooks.take(action) : undefined
  let at = playbooks?.has(action) ? playbooks.at(action) : {file: s.file, line: 1, col: 1}
  let key = playbooks ? playbooks.key(action) : `${action} playbook`
  const byDriver = playbooks?.has(s.driver) ? playbooks.obj[s.driver] : undefined
  if (written === undefined && isObject(byDriver) && byDriver[action] !== undefined) {
    playbooks!.take(s.driver)
    written = byDriver[action]
    at = posOf(byDriver, action) ?? at
    key = playbooks!.key(`${s.driver}.${action}`)
  }
  if (written !== undefined && typeof written !== 'string') {
    s.imp.report('unmapped', at, key, `must be the path of a playbook, not ${describe(written)}; not imported`)
    return undefined
  }
  const file = written !== undefined ? path.resolve(s.dir, written) : [`${action}.yml`, ...(action === 'converge' ? ['playbook.yml'] : [])].map((f) => path.join(s.dir, f)).find((f) => s.imp.exists(f))
  if (!file) return undefined
  if (!s.imp.exists(file)) {
    s.imp.report('unmapped', at, key, `the ${action} playbook \`${written}\` does not exist`)
    return undefined
  }
  if (written === undefined) at = {file: path.relative(process.cwd(), file) || file, line: 1, col: 1}
  const rel = s.imp.relPath(file, at, key)
  return rel ? {rel, at, key} : undefined
}

/** Variables of a mapping of names (host_vars, group_vars) to mappings of variables, each checked. */
function varsByName(s: Scenario, sec: Section | undefined): Map<string, Raw> {
  const out = new Map<string, Raw>()
  for (const [name, vars] of Object.entries(sec?.obj ?? {})) {
    if (isObject(vars)) out.set(name, vars)
    else if (vars !== null) s.imp.report('unmapped', sec!.at(name), sec!.key(name), `must be a mapping of variables, not ${describe(vars)}; not imported`)
  }
  return out
}

export interface Inventory {
  /** The variables of one platform's host: group_vars of all, of its groups, then its host_vars, as Ansible ranks them. */
  varsFor(p: PlatformOut): Raw
}

/** provisioner.inventory: host_vars, group_vars, hosts (its vars), and links to folders of them. */
export function mapInventory(s: Scenario, inv: Section | undefined): Inventory {
  const hostVars = varsByName(s, inv?.section('host_vars'))
  const groupVars = varsByName(s, inv?.section('group_vars'))
  const links = inv?.section('links')
  for (const kind of ['group_vars', 'host_vars'] as const) {
    const target = links?.str(kind)
    if (!target || !links) continue
    const found = readVarsFolder(path.resolve(s.dir, target))
    const into = kind === 'group_vars' ? groupVars : hostVars
    for (const [name, vars] of found) into.set(name, {...vars, ...(into.get(name) ?? {})})
    s.imp.report('note', links.at(kind), links.key(kind), `the variables in \`${target}\` were copied into galley.yml's inventory: edit them there from now on`)
  }
  const hosts = inv?.section('hosts')
  if (hosts) {
    const all = isObject(hosts.obj.all) ? hosts.obj.all : {}
    if (isObject(all.vars)) groupVars.set('all', {...all.vars, ...(groupVars.get('all') ?? {})})
    for (const [name, vars] of Object.entries(isObject(all.hosts) ? all.hosts : {})) if (isObject(vars)) hostVars.set(name, {...vars, ...(hostVars.get(name) ?? {})})
    for (const [name, group] of Object.entries(isObject(all.children) ? all.children : {})) if (isObject(group) && isObject(group.vars)) groupVars.set(name, {...group.vars, ...(groupVars.get(name) ?? {})})
    s.imp.report('note', inv!.at('hosts'), inv!.key('hosts'), 'only the variables of this inventory were imported (of all, its children and its hosts); Galley makes the inventory itself')
  }
  if (links) links.leftovers({hosts: 'Galley makes the inventory itself: an inventory file is not read'}, 'not imported')
  inv?.leftovers({}, 'not an inventory setting Galley knows')
  return {
    varsFor: (p) => {
      const groups = ['all', ...(p.groups.length > 0 ? p.groups : ['ungrouped'])]
      return Object.assign({}, ...groups.map((g) => groupVars.get(g) ?? {}), hostVars.get(p.molecule) ?? {})
    },
  }
}

/** An environment mapping as NAME: text; other entries are reported. */
export function readEnv(s: Scenario, sec: Section | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(sec?.obj ?? {})) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && ['string', 'number', 'boolean'].includes(typeof v)) out[k] = String(v)
    else s.imp.report('unmapped', sec!.at(k), sec!.key(k), `not NAME: value (${describe(v)}); not imported`)
  }
  return out
}

/**
 * ANSIBLE_ROLES_PATH of the provisioner env as roles_path: folders inside the project are kept, the
 * role's parent (Molecule's way to find the role under test) is dropped, since Galley puts the role
 * under test on the roles path itself; anything else is reported.
 */
export function rolesPathOf(s: Scenario, value: string, at: SourcePosition, key: string): string[] {
  const project = s.molecule.MOLECULE_PROJECT_DIRECTORY
  const under = (entry: string, prefix: string) => (entry === prefix || entry.startsWith(`${prefix}/`) ? entry.slice(prefix.length + 1) : undefined)
  const out: string[] = []
  for (const entry of value.split(':').filter(Boolean)) {
    const inProject = under(entry, project)
    const inInstance = under(entry, '/tmp/galley')
    if (inProject === undefined && inInstance === undefined && (path.isAbsolute(entry) || entry.startsWith('~'))) {
      s.imp.report('unmapped', at, key, `\`${entry}\` is a folder of the machine Molecule runs on; an instance sees only the project`)
      continue
    }
    const abs = inProject !== undefined ? path.join(s.imp.root, inProject) : inInstance !== undefined ? path.join(s.imp.outDir, inInstance) : path.resolve(s.imp.root, entry)
    if (abs === path.dirname(s.imp.root)) {
      s.imp.report('note', at, key, `\`${entry}\` is the folder above the role, which Molecule puts on the roles path to find the role under test; Galley puts the role under test on it itself`)
      continue
    }
    if (path.relative(s.imp.root, abs).startsWith('..')) {
      s.imp.report('unmapped', at, key, `\`${entry}\` is outside the project, which is all an instance sees`)
      continue
    }
    const rel = s.imp.relPath(abs, at, key)
    if (rel && s.imp.exists(abs)) out.push(rel)
  }
  return out
}

/** Reports what is left of the provisioner section. */
export function provisionerLeftovers(sec: Section | undefined): void {
  sec?.leftovers(REASONS, 'a Molecule provisioner setting Galley has no place for')
}
