/** What lies on disk beside playbooks and in roles: collections kept in a folder, the modules of a library folder; whether a path is a file or a folder. */
import {readdirSync, statSync} from 'node:fs'
import path from 'node:path'

/** The collections under a collections folder (its ansible_collections/<ns>/<name>), with their modules. */
export function collectionsIn(dir: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  const top = path.join(dir, 'ansible_collections')
  for (const ns of isDir(top) ? readdirSync(top) : []) {
    for (const name of isDir(path.join(top, ns)) ? readdirSync(path.join(top, ns)) : []) {
      out[`${ns}.${name}`] = modulesIn(path.join(top, ns, name, 'plugins', 'modules'))
    }
  }
  return out
}

/** Module names of a folder of modules (a library/ folder, a collection's plugins/modules). */
export function modulesIn(dir: string): string[] {
  const names = isDir(dir) ? readdirSync(dir).filter((f) => /\.(py|ps1|sh)$/.test(f) && f !== '__init__.py') : []
  return names.map((f) => f.replace(/\.[^.]+$/, '')).sort()
}

export function isDir(p: string): boolean {
  return statSync(p, {throwIfNoEntry: false})?.isDirectory() ?? false
}

export function isFile(p: string): boolean {
  return statSync(p, {throwIfNoEntry: false})?.isFile() ?? false
}
