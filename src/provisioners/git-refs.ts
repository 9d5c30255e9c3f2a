/**
 * The commit a local git repository's ref points at, read from its files (HEAD, refs/, packed-refs)
 * without running git: a dependency step's cache key changes when the repository it installs from
 * gets a new commit or a tag moves.
 */
import {readFileSync, statSync} from 'node:fs'
import path from 'node:path'

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    return undefined
  }
}

/** The repository's git folder (a work tree's .git, a .git file's gitdir, or a bare repository), or undefined. */
export function gitDir(repo: string): string | undefined {
  const dotGit = path.join(repo, '.git')
  const st = statSync(dotGit, {throwIfNoEntry: false})
  if (st?.isDirectory()) return dotGit
  if (st?.isFile()) {
    const target = /^gitdir:\s*(.+)$/m.exec(read(dotGit) ?? '')?.[1]
    return target ? path.resolve(repo, target) : undefined
  }
  return statSync(path.join(repo, 'HEAD'), {throwIfNoEntry: false})?.isFile() && statSync(path.join(repo, 'objects'), {throwIfNoEntry: false})?.isDirectory() ? repo : undefined
}

/** A full ref name's object id, from loose refs then packed-refs (worktrees share the common dir's refs). */
function refId(dir: string, ref: string): string | undefined {
  const common = read(path.join(dir, 'commondir'))
  for (const d of [dir, ...(common ? [path.resolve(dir, common)] : [])]) {
    const loose = read(path.join(d, ref))
    if (loose && /^[0-9a-f]{40,64}$/.test(loose)) return loose
    const packed = read(path.join(d, 'packed-refs'))
    const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`))
    if (line) return line.split(' ')[0]
  }
  return undefined
}

/**
 * The object `version` names in the repository at `repo` (a tag, a branch, a commit id), or what
 * HEAD points at when no version is given; undefined when it cannot be read.
 */
export function gitCommit(repo: string, version?: string): string | undefined {
  const dir = gitDir(repo)
  if (!dir) return undefined
  if (version) {
    if (/^[0-9a-f]{7,64}$/.test(version)) return version
    for (const ref of [`refs/tags/${version}`, `refs/heads/${version}`, `refs/remotes/origin/${version}`, version]) {
      const id = refId(dir, ref)
      if (id) return id
    }
    return undefined
  }
  const head = read(path.join(dir, 'HEAD'))
  if (!head) return undefined
  const symbolic = /^ref:\s*(\S+)/.exec(head)?.[1]
  return symbolic ? refId(dir, symbolic) : head
}
