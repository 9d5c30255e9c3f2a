/** The project files a recipe step reads: a file, or every file under a folder. */
import {readdirSync, realpathSync, statSync} from 'node:fs'
import path from 'node:path'

/** Galley's own files and version-control folders: never part of a recipe. */
const SKIP = new Set(['.galley', '.git', 'node_modules', 'galley.yml', 'galley.local.yml'])

/** Test folders at the project's top: a recipe kept beside galley.yml does not read them. */
const TEST_FOLDERS = new Set(['test', 'tests', 'spec', 'verify'])

/**
 * Files under `rel` (a file or a folder of the project), relative to `root`, sorted; nothing when
 * it is missing. For the project folder itself, its top-level test folders are left out, so that
 * editing a test does not rerun a playbook or recipe kept beside galley.yml. A folder reached again
 * through a link (a role's `roles/<name> -> ..`) is listed once, so link loops end.
 */
export function projectFiles(root: string, rel: string): string[] {
  const out: string[] = []
  const top = path.normalize(rel) === '.'
  const seen = new Set<string>()
  const walk = (relPath: string) => {
    const st = statSync(path.join(root, relPath), {throwIfNoEntry: false})
    if (!st) return
    if (st.isFile()) return void out.push(relPath)
    if (!st.isDirectory()) return
    const real = realpathSync(path.join(root, relPath))
    if (seen.has(real)) return
    seen.add(real)
    for (const name of readdirSync(path.join(root, relPath)).sort()) {
      if (SKIP.has(name) || (top && relPath === '.' && TEST_FOLDERS.has(name))) continue
      walk(path.join(relPath, name))
    }
  }
  walk(path.normalize(rel))
  return out
}
