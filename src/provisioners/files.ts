/** The project files a recipe step reads: a file, or every file under a folder. */
import {readdirSync, realpathSync, statSync, type Stats} from 'node:fs'
import path from 'node:path'

/** Galley's own files and version-control folders: never part of a recipe. */
const SKIP = new Set(['.galley', '.git', 'node_modules', 'galley.yml', 'galley.local.yml'])

/** Whether a file or folder name is Galley's own or version control's, which no recipe reads. */
export const isGalleyOwn = (name: string): boolean => SKIP.has(name)

/** Test folders at the project's top: a recipe kept beside galley.yml does not read them. */
const TEST_FOLDERS = new Set(['test', 'tests', 'spec', 'verify'])

/** Whether a folder name at the top of a project or module is one of its test folders. */
export const isTestFolder = (name: string): boolean => TEST_FOLDERS.has(name)

/** A path's stat through its links; none when it is missing or a link that leads to itself (`a -> a`). */
function statOf(full: string): Stats | undefined {
  try {
    return statSync(full, {throwIfNoEntry: false})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') return undefined
    throw error
  }
}

/**
 * Files under `rel` (a file or a folder of the project), relative to `root`, sorted; nothing when
 * it is missing. For the project folder itself, its top-level test folders are left out, so that
 * editing a test does not rerun a playbook or recipe kept beside galley.yml. A folder reached
 * twice (a link to a folder already walked, such as Molecule users' `roles/<name> -> ..`) is
 * walked once, so a link that points back up never loops.
 */
export function projectFiles(root: string, rel: string): string[] {
  const out: string[] = []
  const top = path.normalize(rel) === '.'
  const walked = new Set<string>()
  const walk = (relPath: string) => {
    const full = path.join(root, relPath)
    const st = statOf(full)
    if (!st) return
    if (st.isFile()) return void out.push(relPath)
    if (!st.isDirectory()) return
    const real = realpathSync(full)
    if (walked.has(real)) return
    walked.add(real)
    for (const name of readdirSync(full).sort()) {
      if (SKIP.has(name) || (top && relPath === '.' && TEST_FOLDERS.has(name))) continue
      walk(path.join(relPath, name))
    }
  }
  walk(path.normalize(rel))
  return out
}
