/** Project paths named by a glob (`tests/*.bats`, `spec/**\/*.bats`), for verifiers that take files, folders and globs. */
import {readdirSync, realpathSync, statSync} from 'node:fs'
import path from 'node:path'

export const isGlob = (p: string): boolean => /[*?[]/.test(p)

/** One path segment of a glob as a regular expression (`*`, `?`, `[...]`; a leading dot is matched only by a dot). */
function segmentPattern(segment: string): RegExp {
  let re = ''
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]
    if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2)
      if (end < 0) re += '\\['
      else {
        re += '[' + segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']'
        i = end
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&')
  }
  return new RegExp(`^${segment.startsWith('.') ? '' : '(?!\\.)'}${re}$`)
}

/** What a path is through its links: missing, looping and unreadable paths are neither. */
function kindOf(full: string): 'file' | 'folder' | undefined {
  try {
    const st = statSync(full)
    return st.isDirectory() ? 'folder' : st.isFile() ? 'file' : undefined
  } catch {
    return undefined
  }
}

const isDir = (full: string): boolean => kindOf(full) === 'folder'

/**
 * The project files (relative to `root`, sorted) that `pattern` names; `**` stands for any number
 * of folders. Folders reached twice through links are walked once, so a link back up never loops.
 */
export function expandGlob(root: string, pattern: string): string[] {
  const segments = path.posix.normalize(pattern.replace(/^\.\//, '')).split('/').filter((s) => s !== '' && s !== '.')
  if (segments[0] === '..' || path.isAbsolute(pattern)) return []
  const found = new Set<string>()
  const walked = new Set<string>()
  const walk = (rel: string, i: number): void => {
    const full = path.join(root, rel)
    if (i === segments.length) {
      if (kindOf(full) === 'file') found.add(rel)
      return
    }
    const segment = segments[i]
    if (!isGlob(segment)) return walk(path.posix.join(rel, segment), i + 1)
    if (!isDir(full)) return
    const visit = `${realpathSync(full)}\0${i}`
    if (walked.has(visit)) return
    walked.add(visit)
    const names = readdirSync(full).sort()
    if (segment === '**') {
      walk(rel, i + 1)
      for (const name of names) if (!name.startsWith('.') && isDir(path.join(full, name))) walk(path.posix.join(rel, name), i)
      return
    }
    const re = segmentPattern(segment)
    for (const name of names) if (re.test(name)) walk(path.posix.join(rel, name), i + 1)
  }
  walk('', 0)
  return [...found].sort()
}
