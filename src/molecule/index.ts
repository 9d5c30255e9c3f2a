/**
 * galley import of Molecule: every scenario of a role (molecule/<scenario>/molecule.yml) becomes
 * a suite of one galley.yml. What maps is carried over; every setting that does not is listed with
 * its place and why, never guessed at.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import type {DriverName} from '../config/types.js'
import {ConfigError} from '../errors.js'
import {render, type ImportResult} from '../import/report.js'
import {targetHost} from '../import/systemd.js'
import {MoleculeImport} from './context.js'
import {buildConfig} from './convert.js'
import {findMoleculeProject, readScenario, type Placeholder} from './read.js'
import {mapScenario} from './scenario.js'

export {findMoleculeProject} from './read.js'

export interface MoleculeImportOptions {
  /** A role or project folder with molecule/, a molecule/ folder, a scenario folder, or one molecule.yml. */
  target: string
  /** Where galley.yml will be written (default: the project folder): paths are made relative to it. */
  outDir?: string
  /** Debian and Ubuntu platforms become debootstrap platforms (LXC or Docker, no registry). */
  bootstrap?: boolean
  /** driver.name of galley.yml, instead of docker when a platform names an engine image and auto otherwise. */
  driver?: DriverName
  /** The cgroup version of the host galley.yml is for (default: this host's): whether systemd needs a privileged container on Docker. */
  cgroupVersion?: 1 | 2
}

const PROJECT = '/tmp/galley'

/** Molecule's own variables of a scenario, as their places are inside the instance. */
function moleculeVars(imp: MoleculeImport, dir: string): Record<string, string> {
  const inInstance = (abs: string) => path.posix.join(PROJECT, path.relative(imp.outDir, abs).split(path.sep).join('/'))
  const isRole = ['tasks/main.yml', 'tasks/main.yaml', 'meta/main.yml', 'meta/main.yaml'].some((f) => statSync(path.join(imp.root, f), {throwIfNoEntry: false})?.isFile())
  const project = path.basename(imp.root)
  return {
    // A role is reached through its link on the roles path, so that `... | basename` is its name as Molecule's is.
    MOLECULE_PROJECT_DIRECTORY: isRole ? `/tmp/galley-ansible/roles/${project}` : inInstance(imp.root),
    MOLECULE_SCENARIO_DIRECTORY: inInstance(dir),
    MOLECULE_SCENARIO_NAME: path.basename(dir),
    MOLECULE_EPHEMERAL_DIRECTORY: `/tmp/molecule/${project}/${path.basename(dir)}`,
    MOLECULE_INVENTORY_FILE: '/tmp/galley-ansible/inventory.json',
    MOLECULE_FILE: inInstance(path.join(dir, 'molecule.yml')),
    MOLECULE_VERIFIER_TEST_DIRECTORY: inInstance(path.join(dir, 'tests')),
  }
}

/** The MOLECULE_* variables the scenario's own files (playbooks, templates, tests) read: the provisioner's env gets them. */
function variablesUsed(dir: string, vars: Record<string, string>): Record<string, string> {
  const used: Record<string, string> = {}
  const walk = (d: string, depth: number) => {
    for (const e of depth > 3 ? [] : readdirSync(d, {withFileTypes: true}).slice(0, 200)) {
      const full = path.join(d, e.name)
      if (e.isDirectory()) walk(full, depth + 1)
      else if (e.isFile() && /\.(ya?ml|py|j2|json)$/.test(e.name) && e.name !== 'molecule.yml' && statSync(full).size < 1 << 20) {
        const text = readFileSync(full, 'utf8')
        for (const [name, value] of Object.entries(vars)) if (text.includes(name)) used[name] = value
      }
    }
  }
  walk(dir, 0)
  return used
}

function reportPlaceholders(imp: MoleculeImport, made: Placeholder[]): void {
  for (const m of made) {
    const at = {file: m.file, line: m.line, col: m.col}
    const key = `\${${m.name}}`
    if (m.how === 'molecule') imp.report('note', at, key, `Molecule's own variable: imported as \`${m.value}\`, its place inside the instance`)
    else if (m.how === 'environment') imp.report('note', at, key, `was \`${m.value}\` in the environment galley import ran in; galley.yml keeps that value`)
    else if (m.how === 'default') imp.report('note', at, key, `is not set here; imported its default \`${m.value}\``)
    else imp.report('note', at, key, 'is not set and has no default: read as empty, as Molecule does')
  }
}

/** Reads the scenarios `options.target` names and returns the galley.yml they map to, with what did not map. */
export function importMolecule(options: MoleculeImportOptions): ImportResult {
  const project = findMoleculeProject(options.target)
  if (!project) throw new ConfigError(`no Molecule scenario in ${options.target}: looked for molecule/<scenario>/molecule.yml`, undefined, {hint: 'Name a role folder with molecule/, a molecule/ folder, or one molecule.yml.'})
  const host = targetHost(options.driver, 'docker', options.cgroupVersion)
  const imp = new MoleculeImport(project.root, path.resolve(options.outDir ?? project.root), options.bootstrap ?? false, {cgroupVersion: host.cgroupVersion, driver: options.driver})
  const files: string[] = []
  const scenarios = project.scenarioDirs.map((dir) => {
    const vars = moleculeVars(imp, dir)
    const file = readScenario(project, dir, vars)
    files.push(file.display)
    reportPlaceholders(imp, file.interpolated)
    return mapScenario(imp, file, vars, variablesUsed(dir, vars))
  })
  const names = new Set<string>()
  const withPlatforms = scenarios.filter((s) => {
    if (names.has(s.name)) {
      imp.report('unmapped', {file: files[scenarios.indexOf(s)], line: 1, col: 1}, 'scenario.name', `a second scenario named \`${s.name}\`; left out`)
      return false
    }
    names.add(s.name)
    if (s.platforms.length === 0) imp.report('unmapped', {file: files[scenarios.indexOf(s)], line: 1, col: 1}, 'platforms', `scenario \`${s.name}\` has no platform Galley can make; it became no suite`)
    return s.platforms.length > 0
  })
  if (withPlatforms.length === 0) throw new ConfigError(`no scenario of ${path.relative(process.cwd(), project.root) || '.'} has a platform Galley can make`, {file: files[0], line: 1, col: 1}, {hint: 'Give the scenario platforms: with an image (debian:12, ubuntu:22.04 ...).'})
  const config = buildConfig(withPlatforms, options.driver)
  if (project.base) files.unshift(path.relative(process.cwd(), project.base) || project.base)
  const {unmapped, notes} = imp.sorted()
  return {text: render(config, files, unmapped, notes), config, unmapped, notes, files}
}
