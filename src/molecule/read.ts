/**
 * Finding Molecule scenarios and reading them as Molecule does: `molecule/<scenario>/molecule.yml`
 * under the project (the role), each interpolated from the environment, with the project's base
 * config (`.config/molecule/config.yml`) merged under it.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {ConfigError} from '../errors.js'
import {statIfAny} from '../files.js'
import {mergeTrees, type Raw} from '../import/tree.js'
import {readTree} from '../import/yaml.js'
import {interpolate, type Interpolated} from './interpolate.js'

const MAX_FILE_BYTES = 1 << 20
const TOP_KEYS = 'dependency:, driver:, platforms:, provisioner:, verifier:, scenario:'

export interface ScenarioFile {
  /** The scenario's folder. */
  dir: string
  /** Its folder's name: the scenario's name unless scenario.name says otherwise. */
  dirName: string
  /** molecule.yml as reports show it. */
  display: string
  tree: Raw
  /** What each `${VAR}` became, and where. */
  interpolated: Placeholder[]
}

export type Placeholder = Interpolated & {file: string}

export interface MoleculeProject {
  /** The folder Molecule runs in: the one holding molecule/ (the role, usually). */
  root: string
  /** The scenario folders, by name. */
  scenarioDirs: string[]
  /** The base config every scenario is merged over, when the project has one. */
  base?: string
}

const isDir = (p: string) => statIfAny(p)?.isDirectory() ?? false
const isFile = (p: string) => statIfAny(p)?.isFile() ?? false

/** The scenario folders (those holding a molecule.yml) under a molecule/ folder, sorted with `default` first. */
function scenariosUnder(moleculeDir: string): string[] {
  if (!isDir(moleculeDir)) return []
  const names = readdirSync(moleculeDir).filter((n) => isFile(path.join(moleculeDir, n, 'molecule.yml'))).sort()
  return [...names.filter((n) => n === 'default'), ...names.filter((n) => n !== 'default')].map((n) => path.join(moleculeDir, n))
}

/** The project a scenario folder belongs to: the folder above molecule/, else the scenario's own folder. */
const projectOf = (scenarioDir: string) => (path.basename(path.dirname(scenarioDir)) === 'molecule' ? path.dirname(path.dirname(scenarioDir)) : scenarioDir)

/**
 * What `target` names: a role or project folder with molecule/ (or extensions/molecule/), a
 * molecule/ folder, a scenario folder, or one molecule.yml. Undefined when it holds no scenario.
 */
export function findMoleculeProject(target: string): MoleculeProject | undefined {
  const abs = path.resolve(target)
  const withBase = (root: string, scenarioDirs: string[]): MoleculeProject => {
    const base = path.join(root, '.config', 'molecule', 'config.yml')
    return {root, scenarioDirs, ...(isFile(base) ? {base} : {})}
  }
  if (isFile(abs)) return path.basename(abs) === 'molecule.yml' ? withBase(projectOf(path.dirname(abs)), [path.dirname(abs)]) : undefined
  if (!isDir(abs)) return undefined
  if (isFile(path.join(abs, 'molecule.yml'))) return withBase(projectOf(abs), [abs])
  for (const under of ['molecule', 'extensions/molecule']) {
    const found = scenariosUnder(path.join(abs, under))
    if (found.length > 0) return withBase(abs, found)
  }
  const inside = scenariosUnder(abs)
  return inside.length > 0 ? withBase(path.dirname(abs), inside) : undefined
}

function readText(file: string): string {
  const display = path.relative(process.cwd(), file) || file
  try {
    const size = statSync(file).size
    if (size > MAX_FILE_BYTES) throw new ConfigError(`${display} is ${size} bytes; a molecule.yml this large is not one galley import reads`, {file: display, line: 1, col: 1})
    return readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${display}`, undefined, {cause: error, hint: 'Check that the file exists and is readable.'})
  }
}

/** One file read as Molecule reads it: interpolated, then YAML 1.1 with every key's place kept. */
export function readMoleculeFile(file: string, molecule: Record<string, string>): {tree: Raw; display: string; interpolated: Placeholder[]} {
  const display = path.relative(process.cwd(), file) || file
  const {text, made} = interpolate(readText(file), process.env, molecule)
  const interpolatedOn = new Set(made.map((m) => m.line))
  const explain = (line: number) => (interpolatedOn.has(line) ? ' (after the ${...} on this line was replaced, as Molecule does)' : '')
  return {tree: readTree(text, {display, holds: TOP_KEYS, explain}), display, interpolated: made.map((m) => ({...m, file: display}))}
}

/** A scenario's molecule.yml, with the project's base config merged under it as Molecule does. */
export function readScenario(project: MoleculeProject, dir: string, molecule: Record<string, string>): ScenarioFile {
  const own = readMoleculeFile(path.join(dir, 'molecule.yml'), molecule)
  const base = project.base ? readMoleculeFile(project.base, molecule) : undefined
  const tree = base ? (mergeTrees(base.tree, own.tree) as Raw) : own.tree
  return {dir, dirName: path.basename(dir), display: own.display, tree, interpolated: [...(base?.interpolated ?? []), ...own.interpolated]}
}
