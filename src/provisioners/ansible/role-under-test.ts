/**
 * The role under test, found as Molecule finds it: the role folder a playbook lives in (a scenario
 * under its molecule/ folder, or its tests/ folder) is on the roles path under its folder name and
 * its Galaxy names (`meta/main.yml`'s role_name, with its namespace or author), so both
 * `roles: [my_role]` and `include_role: {name: acme.my_role}` find it without a symlink.
 */
import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'

export interface RoleUnderTest {
  /** The role's folder, relative to the project (`.` when the project is the role). */
  dir: string
  /** The names a play may call it by, each once. */
  names: string[]
}

const ROLE_FILES = ['tasks/main.yml', 'tasks/main.yaml', 'meta/main.yml', 'meta/main.yaml']

const isFile = (p: string): boolean => statSync(p, {throwIfNoEntry: false})?.isFile() ?? false

/** `meta/main.yml`'s galaxy_info, or nothing when it is missing or not YAML. */
function galaxyInfo(roleDir: string): Record<string, unknown> {
  for (const name of ['meta/main.yml', 'meta/main.yaml']) {
    const file = path.join(roleDir, name)
    if (!isFile(file)) continue
    try {
      const meta = parse(readFileSync(file, 'utf8'), {maxAliasCount: 100}) as {galaxy_info?: unknown} | null
      const info = meta?.galaxy_info
      return typeof info === 'object' && info !== null && !Array.isArray(info) ? (info as Record<string, unknown>) : {}
    } catch {
      return {}
    }
  }
  return {}
}

/**
 * The names of the role in `roleDir`: its folder's name, that name without `ansible-role-` or
 * `ansible-` (and before the last dot: `geerlingguy.ntp` is `ntp`), galaxy_info's role_name, and
 * each of those behind its namespace (galaxy_info's namespace, else its author unless that is a
 * person's name with a space), as ansible-compat links it for Molecule.
 */
export function roleNames(roleDir: string): string[] {
  const folder = path.basename(path.resolve(roleDir))
  const info = galaxyInfo(roleDir)
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '')
  const given = text(info.role_name)
  const stripped = folder.replace(/^ansible-role-|^ansible-/, '').split('.').pop() ?? folder
  const namespace = text(info.namespace) || (/\s/.test(text(info.author)) ? '' : text(info.author))
  const short = [given || stripped, stripped, ...(given ? [given] : [])]
  const names = [folder, ...short, ...(namespace ? short.map((n) => `${namespace}.${n}`) : [])]
  return [...new Set(names)].filter((n) => /^[\w.-]+$/.test(n) && n !== '.' && n !== '..')
}

/** The nearest folder holding `playbook` (relative to `root`) that is a role, up to the project itself. */
export function roleUnderTest(root: string, playbook: string): RoleUnderTest | undefined {
  let dir = path.posix.dirname(path.posix.normalize(playbook.replace(/^\.\//, '')))
  for (;;) {
    if (dir.startsWith('..')) return undefined
    if (ROLE_FILES.some((f) => isFile(path.join(root, dir, f)))) return {dir, names: roleNames(path.join(root, dir))}
    if (dir === '.' || dir === '') return undefined
    dir = path.posix.dirname(dir)
  }
}
