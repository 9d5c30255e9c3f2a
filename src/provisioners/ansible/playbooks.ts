/** What a playbook targets and reads: the groups its plays name, the files its step's key covers. */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'
import {isGalleyOwn} from '../files.js'
import type {PlaybookGraph} from './graph.js'
import {asMap, asSeq, keysOf, readYaml} from './yaml-nodes.js'

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

/** The folders a playbook step reads when the walker cannot follow it: each playbook's folder and roles_path. */
function ansiblePaths(p: {playbooks: string[]; rolesPath?: string[]}): string[] {
  return [...new Set([...(p.playbooks ?? []).map((pb) => path.dirname(pb)), ...(p.rolesPath ?? [])])]
}

/** Whether a YAML file is a playbook: a list holding a play or an imported playbook. */
function isPlaybook(file: string): boolean {
  const doc = readYaml(file)
  if (!doc || doc.error) return false
  return (asSeq(doc.top)?.items ?? []).some((item) => {
    const keys = (m: ReturnType<typeof asMap>) => (m ? keysOf(m) : [])
    return keys(asMap(doc.resolve(item))).some((k) => k === 'hosts' || k === 'import_playbook' || k === 'ansible.builtin.import_playbook')
  })
}

/** What the step's key of one playbook is made of, besides the walk of that playbook. */
export interface KeyInputs {
  /** Folders searched for roles (roles_path, ansible.cfg's), relative to the project. */
  rolesPaths: string[]
  /** Requirement files: the requirements step's key covers them. */
  requirementFiles: string[]
}

/**
 * The project files a playbook step's key covers: what the walker says the playbook reaches (its
 * roles with the role under test, task and vars files, templates and files, the folders Ansible
 * reads beside it, ansible.cfg), and the other files beside it that are not playbooks (a module's
 * `src:` may name one). So another playbook of the same folder (a scenario's verify.yml) is not in
 * the key. When a role or playbook is named only at run time, the playbook's folder and the roles
 * folders are covered whole, as nothing else can be sure.
 */
export function stepPaths(root: string, playbook: string, graph: PlaybookGraph, inputs: KeyInputs): string[] {
  const dir = path.dirname(path.normalize(playbook))
  const unfollowed = graph.dynamic.some((r) => r.kind === 'role' || r.kind === 'playbook')
  const inProject = (rel: string) => !path.isAbsolute(rel) && !rel.startsWith('..')
  const folders = unfollowed ? ansiblePaths({playbooks: [playbook], rolesPath: inputs.rolesPaths.filter(inProject)}) : []
  const inside = (f: string) => folders.some((d) => d === '.' || f === d || f.startsWith(`${d}/`))
  const beside = readdirSync(path.join(root, dir))
    .filter((name) => !isGalleyOwn(name))
    .map((name) => path.join(dir, name))
    .filter((f) => {
      const full = path.join(root, f)
      try {
        return statSync(full).isFile() && !(/\.ya?ml$/.test(f) && isPlaybook(full))
      } catch {
        return false
      }
    })
  const files = [...new Set([...graph.files, ...beside])].filter((f) => !inside(f) && !inputs.requirementFiles.includes(f))
  return [...folders, ...files.sort()]
}
