/** Importing a kitchen project in a temporary copy, as a user in its folder would, and loading what it writes. */
import {cpSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {loadConfig} from '../../src/config/load.js'
import {findKitchenFile, importKitchen, type ImportResult} from '../../src/kitchen/index.js'
import {makeProject, removeProject} from '../fakes/project.js'

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/kitchen/', import.meta.url))

/**
 * Imports a kitchen project (a fixture folder, extra files on top) from a copy, as a user in that
 * folder would, for a host of `cgroupVersion` (1 unless a test says, whatever host runs the tests).
 */
export function importProject(fixture: string | undefined, files: Record<string, string> = {}, bootstrap = false, driver?: 'lxc' | 'docker', cgroupVersion: 1 | 2 = 1): {result: ImportResult; root: string} {
  const root = makeProject({})
  if (fixture) cpSync(path.join(FIXTURES, fixture), root, {recursive: true})
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, name), content)
  const cwd = process.cwd()
  process.chdir(root)
  try {
    return {result: importKitchen({file: path.join(root, findKitchenFile(root) ? path.basename(findKitchenFile(root)!) : 'kitchen.yml'), outDir: root, bootstrap, driver, cgroupVersion}), root}
  } finally {
    process.chdir(cwd)
  }
}

export function withProject<T>(fixture: string | undefined, files: Record<string, string>, fn: (result: ImportResult, root: string) => T, bootstrap = false, driver?: 'lxc' | 'docker', cgroupVersion: 1 | 2 = 1): T {
  const {result, root} = importProject(fixture, files, bootstrap, driver, cgroupVersion)
  try {
    return fn(result, root)
  } finally {
    removeProject(root)
  }
}

export const places = (items: {file: string; line: number; col: number; key: string}[]) => items.map((i) => `${i.file}:${i.line}:${i.col} ${i.key}`)

/** Loads the written galley.yml with Galley's own loader. */
export function load(result: ImportResult, root: string, driver?: 'lxc' | 'docker') {
  writeFileSync(path.join(root, 'galley.yml'), result.text)
  return loadConfig({cwd: root, driver})
}
