/**
 * Where Ansible will also look for roles, modules and collections, as far as Galley can read it
 * before anything runs: ansible.cfg in the project folder (Ansible's working folder in the
 * instance, or the file ANSIBLE_CONFIG names there) and the provisioner's ANSIBLE_* variables.
 * A folder outside the project (inside the image) cannot be read: what it might hold is then not
 * reported as missing.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {PROJECT_DIR} from '../../model.js'
import {collectionsIn} from './local-files.js'

export interface SearchPaths {
  /** Role folders, relative to the project. */
  rolesPaths: string[]
  /** Module names of library folders. */
  libraries: string[]
  /** Collections of collections folders, with their modules. */
  collections: Record<string, string[]>
  /** Some folder of that kind is outside the project: its contents are unknown. */
  unsure: {roles: boolean; library: boolean; collections: boolean}
}

/** Ansible's own defaults, empty on an image Galley built. */
const DEFAULTS = new Set(['~/.ansible/roles', '/usr/share/ansible/roles', '/etc/ansible/roles', '~/.ansible/plugins/modules', '/usr/share/ansible/plugins/modules', '~/.ansible/collections', '/usr/share/ansible/collections', '/etc/ansible/collections'])

/** `[defaults]` keys of an ansible.cfg. */
function readCfg(file: string): Record<string, string> {
  const out: Record<string, string> = {}
  let section = ''
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/^\s*[#;].*$/, '').trim()
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header) section = header[1].trim()
    else if (section === 'defaults') {
      const kv = /^([\w.]+)\s*[=:]\s*(.*)$/.exec(line)
      if (kv) out[kv[1]] = kv[2].trim()
    }
  }
  return out
}

/** Reads the search paths of a project (`root`) and the provisioner's env. */
export function searchPaths(root: string, env: Record<string, string>): SearchPaths {
  const out: SearchPaths = {rolesPaths: [], libraries: [], collections: {}, unsure: {roles: false, library: false, collections: false}}
  const fromInstance = env.ANSIBLE_CONFIG?.startsWith(`${PROJECT_DIR}/`) ? env.ANSIBLE_CONFIG.slice(PROJECT_DIR.length + 1) : undefined
  const cfgFile = fromInstance ?? 'ansible.cfg'
  const cfg = existsSync(path.join(root, cfgFile)) && statSync(path.join(root, cfgFile)).isFile() ? readCfg(path.join(root, cfgFile)) : {}
  if (env.ANSIBLE_CONFIG && !fromInstance) out.unsure = {roles: true, library: true, collections: true}
  /** Project folders of a colon-separated list written in the instance (or relative to ansible.cfg's folder). */
  const folders = (list: string | undefined, kind: keyof SearchPaths['unsure'], base: string): string[] => {
    const found: string[] = []
    for (const entry of (list ?? '').split(':').map((e) => e.trim()).filter(Boolean)) {
      if (DEFAULTS.has(entry)) continue
      const inProject = entry.startsWith(`${PROJECT_DIR}/`) ? entry.slice(PROJECT_DIR.length + 1) : path.isAbsolute(entry) || entry.startsWith('~') ? undefined : path.normalize(path.join(base, entry))
      if (inProject === undefined || inProject.startsWith('..')) out.unsure[kind] = true
      else found.push(inProject)
    }
    return found
  }
  const cfgDir = path.dirname(cfgFile)
  out.rolesPaths = [...folders(env.ANSIBLE_ROLES_PATH, 'roles', '.'), ...folders(cfg.roles_path, 'roles', cfgDir)]
  for (const dir of [...folders(env.ANSIBLE_LIBRARY, 'library', '.'), ...folders(cfg.library, 'library', cfgDir)]) {
    const abs = path.join(root, dir)
    if (existsSync(abs) && statSync(abs).isDirectory()) out.libraries.push(...readdirSync(abs).map((f) => f.replace(/\.[^.]+$/, '')))
  }
  const collectionPaths = env.ANSIBLE_COLLECTIONS_PATH ?? env.ANSIBLE_COLLECTIONS_PATHS
  const cfgCollections = cfg.collections_path ?? cfg.collections_paths
  for (const dir of [...folders(collectionPaths, 'collections', '.'), ...folders(cfgCollections, 'collections', cfgDir)]) Object.assign(out.collections, collectionsIn(path.join(root, dir)))
  return out
}
