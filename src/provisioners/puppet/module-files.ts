/**
 * The project files `puppet apply` reads through its modules, for the manifest step's cache key:
 * the project itself when it is a module (the dependencies step links it into the modulepath), and
 * each module of the project's modulepath folders, wherever a link leads (a module reached twice,
 * such as `spec/fixtures/modules/<name> -> ../../..`, is counted once). A module's test folders
 * (spec/, tests/, test/, verify/) are left out: puppet never reads them, so editing a spec does not
 * rerun the apply.
 */
import {readdirSync, realpathSync, statSync, type Stats} from 'node:fs'
import path from 'node:path'
import {isGalleyOwn, isTestFolder} from '../files.js'

/** A path's stat through its links; none when it is missing or a link loop. */
function statOf(full: string): Stats | undefined {
  try {
    return statSync(full, {throwIfNoEntry: false})
  } catch {
    return undefined
  }
}

/**
 * The entries of the module at `top` (a project path) but its test folders and the folders in
 * `elsewhere` (modulepath folders inside it, whose modules are listed on their own): an entry
 * holding one of those is opened and listed in turn.
 */
function moduleEntries(root: string, top: string, elsewhere: string[], rel = top): string[] {
  const out: string[] = []
  for (const name of readdirSync(path.join(root, rel)).sort()) {
    const entry = path.join(rel, name)
    if (isGalleyOwn(name) || (rel === top && isTestFolder(name)) || elsewhere.includes(entry)) continue
    const holds = elsewhere.some((dir) => dir.startsWith(`${entry}/`))
    if (holds && statOf(path.join(root, entry))?.isDirectory()) out.push(...moduleEntries(root, top, elsewhere, entry))
    else out.push(entry)
  }
  return out
}

/**
 * The project paths of the modules a suite's puppet reads: the project's and each module's
 * top-level entries but their test folders. The list is in the step's settings too, so that a file
 * renamed with its bytes unchanged (hiera.yaml) changes the key.
 */
export function moduleKeyPaths(root: string, projectIsModule: boolean, modulepath: string[]): string[] {
  const dirs = modulepath.filter((d) => !path.isAbsolute(d)).map((d) => path.normalize(d).replace(/\/+$/, ''))
  const top = realpathSync(root)
  const seen = new Set<string>()
  const out: string[] = []
  const add = (rel: string, real: string) => {
    if (seen.has(real)) return
    seen.add(real)
    out.push(...moduleEntries(root, rel, rel === '.' ? dirs : []))
  }
  if (projectIsModule) add('.', top)
  for (const dir of dirs) {
    const abs = path.join(root, dir)
    if (!statOf(abs)?.isDirectory()) continue
    for (const name of readdirSync(abs).sort()) {
      const full = path.join(abs, name)
      if (isGalleyOwn(name) || !statOf(full)?.isDirectory()) continue
      const real = realpathSync(full)
      if (real === top) add('.', top)
      else add(path.join(dir, name), real)
    }
  }
  return out
}
