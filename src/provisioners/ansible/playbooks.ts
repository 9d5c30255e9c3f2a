/** What a playbook targets and reads: the groups its plays name, the folders its step's key covers. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'

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

/** The folders a playbook step reads: each playbook's folder (its roles, vars and templates) and roles_path. */
export function ansiblePaths(p: {playbooks: string[]; rolesPath?: string[]}): string[] {
  return [...new Set([...(p.playbooks ?? []).map((pb) => path.dirname(pb)), ...(p.rolesPath ?? [])])]
}

