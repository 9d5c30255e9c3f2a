/**
 * Names a task's files by pattern: a templated name (`setup-{{ ansible_os_family }}.yml`) as a
 * pattern of file names, and the names a `first_found` lookup tries in turn. Ansible uses the first
 * of those that exists and the others may well be missing (that is what the lookup is for), so the
 * walker reports none of them missing and reads the ones present, for the cache key.
 */
import path from 'node:path'
import type {YAMLMap} from 'yaml'
import {keysOf, plain, valueOf} from './yaml-nodes.js'

const LOOP_KEYS = ['with_first_found', 'with_ansible.builtin.first_found']
/** `lookup('first_found', X)`, `query(…)` or `q(…)`, in an argument or `loop:`; X up to the next `)` or `,` outside brackets. */
const LOOKUP = /\b(?:lookup|query|q)\(\s*['"](?:ansible\.builtin\.)?first_found['"]\s*,\s*(\[[^\]]*\]|\{[^}]*\}|[A-Za-z_]\w*)/

/**
 * The names a task's `first_found` tries, each joined to its `paths:` (templated names kept as
 * written); undefined when the task has no `first_found`, empty when its names cannot be read
 * here (a variable of the play, a `vars:` file).
 */
export function firstFoundNames(task: YAMLMap): string[] | undefined {
  const loopKey = keysOf(task).find((k) => LOOP_KEYS.includes(k))
  if (loopKey) return termsOf(plain(valueOf(task, loopKey)))
  const text = stringsIn(keysOf(task).filter((k) => k !== 'vars' && k !== 'name').map((k) => plain(valueOf(task, k)))).find((s) => LOOKUP.test(s))
  const arg = text ? LOOKUP.exec(text)![1] : undefined
  if (arg === undefined) return undefined
  if (/^\w+$/.test(arg)) {
    const vars = plain(valueOf(task, 'vars'))
    return typeof vars === 'object' && vars !== null && arg in vars ? termsOf((vars as Record<string, unknown>)[arg]) : []
  }
  // An inline list of quoted names; a mapping written inline is not followed.
  return arg.startsWith('[') ? [...arg.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]) : []
}

/** The lookup's terms as Ansible reads them: names, lists of them, or `files:` with `paths:` (both split on `,` and `;`). */
function termsOf(term: unknown): string[] {
  if (typeof term === 'string') return split(term, /[,;]/)
  if (Array.isArray(term)) return term.flatMap(termsOf)
  if (typeof term !== 'object' || term === null) return []
  const {files, paths} = term as {files?: unknown; paths?: unknown}
  const list = (v: unknown, on: RegExp) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((x) => (typeof x === 'string' ? split(x, on) : []))
  const names = list(files, /[,;]/)
  const dirs = list(paths, /[,:;]/)
  return dirs.length ? dirs.flatMap((d) => names.map((n) => path.join(d, n))) : names
}

const split = (s: string, on: RegExp) => (s.includes('{{') ? [s] : s.split(on).map((x) => x.trim()).filter(Boolean))

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(stringsIn)
  return typeof value === 'object' && value !== null ? Object.values(value).flatMap(stringsIn) : []
}

const TEMPLATE = /\{\{.*?\}\}|\{%.*?%\}/g

/** A templated file name as a pattern of base names: `os/setup-{{ x }}.yml` → /^setup-.*\.yml$/. */
export function namePattern(name: string): RegExp {
  const parts = name.split(TEMPLATE)
  // The base name starts after the last `/` written outside a template.
  const last = parts.map((s) => s.includes('/')).lastIndexOf(true)
  const base = last < 0 ? parts : [parts[last].slice(parts[last].lastIndexOf('/') + 1), ...parts.slice(last + 1)]
  return new RegExp(`^${base.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
}

/** The folder part of a templated name, each template made a plain name so the folder can be searched. */
export const folderOf = (name: string): string => path.dirname(name.replace(TEMPLATE, 'x'))
