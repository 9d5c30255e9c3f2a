/** Importing a Molecule fixture from a temporary copy, as a user in the role's folder would, and loading what it writes. */
import {cpSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {ConfigErrors} from '../../src/errors.js'
import type {ImportResult} from '../../src/import/report.js'
import {importMolecule, type MoleculeImportOptions} from '../../src/molecule/index.js'
import {makeProject, removeProject} from '../fakes/project.js'

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/molecule/', import.meta.url))

/** Runs `fn` (sync or async) in a copy of a fixture (symlinks kept), with the working folder there, and removes it after. */
export function inCopy<T>(fixture: string | undefined, files: Record<string, string>, fn: (root: string) => T): T {
  const root = makeProject({})
  if (fixture) cpSync(path.join(FIXTURES, fixture), root, {recursive: true, verbatimSymlinks: true})
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), {recursive: true})
    writeFileSync(path.join(root, name), content)
  }
  const cwd = process.cwd()
  process.chdir(root)
  const done = () => {
    process.chdir(cwd)
    removeProject(root)
  }
  let result: T
  try {
    result = fn(root)
  } catch (error) {
    done()
    throw error
  }
  // An async test keeps its copy until it has finished.
  if (result instanceof Promise) return result.finally(done) as T
  done()
  return result
}

/** Imports a fixture's copy, as `galley import [target]` in its folder would, for a cgroup v1 host unless `options` says. */
export function withImport<T>(fixture: string, options: Partial<MoleculeImportOptions>, fn: (result: ImportResult, root: string) => T, files: Record<string, string> = {}): T {
  return inCopy(fixture, files, (root) => fn(importMolecule({target: root, cgroupVersion: 1, ...options}), root))
}

export const places = (items: {file: string; line: number; col: number; key: string}[]) => items.map((i) => `${i.file}:${i.line}:${i.col} ${i.key}`)

/** Writes the import's galley.yml and loads it with Galley's loader. */
export function loadImported(result: ImportResult, root: string) {
  writeFileSync(path.join(root, 'galley.yml'), result.text)
  try {
    return loadConfig({cwd: root})
  } catch (error) {
    if (!(error instanceof ConfigErrors)) throw error
    assert.equal(error.errors.map((e) => e.message), [], 'galley.yml from the import did not load')
    return undefined
  }
}
