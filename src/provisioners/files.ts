/** The project files a recipe step reads: a file, or every file under a folder. */
import {readdirSync, statSync} from 'node:fs'
import path from 'node:path'

/** Galley's own files and version-control folders: never part of a recipe. */
const SKIP = new Set(['.galley', '.git', 'node_modules', 'galley.yml', 'galley.local.yml'])

/** Files under `rel` (a file or a folder of the project), relative to `root`, sorted; nothing when it is missing. */
export function projectFiles(root: string, rel: string): string[] {
  const out: string[] = []
  const walk = (relPath: string) => {
    const st = statSync(path.join(root, relPath), {throwIfNoEntry: false})
    if (!st) return
    if (st.isFile()) return void out.push(relPath)
    if (!st.isDirectory()) return
    for (const name of readdirSync(path.join(root, relPath)).sort()) {
      if (!SKIP.has(name)) walk(path.join(relPath, name))
    }
  }
  walk(path.normalize(rel))
  return out
}
