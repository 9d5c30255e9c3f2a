/** What a playbook reads and needs: the groups its plays target, the folders it reads, the package that runs it. */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'
import {projectFiles} from '../files.js'
import type {AnsibleSettings} from './index.js'

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
export function ansiblePackage(p: AnsibleSettings, root: string, more: string[] = []): string {
  if (p.package) return p.package
  for (const rel of new Set([...ansiblePaths(p), ...more])) {
    for (const file of projectFiles(root, rel)) {
      if (/\.ya?ml$/.test(file) && COLLECTION_MODULE.test(readFileSync(path.join(root, file), 'utf8'))) return 'ansible'
    }
  }
  return 'ansible-core'
}

/** The folders a playbook step reads: each playbook's folder (its roles, vars and templates) and roles_path. */
export function ansiblePaths(p: AnsibleSettings): string[] {
  const playbooks = [...(p.prepare ?? []), ...(p.playbooks ?? []), ...(p.sideEffects ?? [])]
  return [...new Set([...playbooks.map((pb) => path.dirname(pb)), ...(p.rolesPath ?? [])])]
}

