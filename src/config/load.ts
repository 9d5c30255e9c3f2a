/**
 * Loads galley.yml (+ galley.local.yml) as a pipeline of stages: read and check each file against
 * the schema (./read.ts), merge them (./merge.ts), check names, expand the suite × platform matrix
 * with every section merged and read by its plugins (./instances.ts), and check what the instances
 * name (./checks.ts). Every problem of every stage is reported with its place; nothing is created.
 */
import {existsSync, statSync} from 'node:fs'
import path from 'node:path'
import {ConfigError, ConfigErrors} from '../errors.js'
import {checkInstances, checkMerged, checkNames} from './checks.js'
import {EnvReader} from './env.js'
import {expandInstances} from './instances.js'
import {mergeFiles} from './merge.js'
import {readConfigFile} from './read.js'
import {Sources} from './source.js'
import type {DriverName, ProjectConfig} from './types.js'

export {deepMerge} from './merge.js'

export interface LoadOptions {
  cwd: string
  /** --config FILE; default galley.yml in cwd. */
  file?: string
  /** --driver NAME: every instance on this engine, whatever the file says. */
  driver?: DriverName
}

/** galley.yml's path: --config (a file, or the folder holding galley.yml), else galley.yml in cwd. */
function configFile(options: LoadOptions): string {
  let file = path.resolve(options.cwd, options.file ?? 'galley.yml')
  if (statSync(file, {throwIfNoEntry: false})?.isDirectory()) file = path.join(file, 'galley.yml')
  if (!existsSync(file)) {
    throw new ConfigError(`no ${path.basename(file)} in ${path.dirname(file)}`, undefined, {
      hint: options.file ? 'Check the path given to --config.' : 'Run galley in a folder with a galley.yml, or pass --config FILE.',
    })
  }
  return file
}

/** Loads and validates the project's config; throws ConfigErrors listing every problem found. */
export function loadConfig(options: LoadOptions): ProjectConfig {
  const file = configFile(options)
  const root = path.dirname(file)
  const main = readConfigFile(file, false)
  const localFile = path.join(root, path.basename(file).replace(/\.ya?ml$/, '') + '.local.yml')
  const local = existsSync(localFile) ? readConfigFile(localFile, true) : undefined
  const raw = local ? mergeFiles(main.raw, local.raw) : main.raw
  const sources = new Sources(local ? [local.src, main.src] : [main.src])
  const mergeErrors = checkMerged(raw, sources)
  if (mergeErrors.length > 0) throw new ConfigErrors(mergeErrors)

  const nameErrors = checkNames(raw, sources)
  const env = new EnvReader()
  const expanded = expandInstances(raw, {root, env, sources, driver: options.driver})
  const instances = expanded.map((e) => e.spec)
  const namesUnique = !nameErrors.some((e) => e.message.includes('duplicate'))
  const errors = [...nameErrors, ...checkInstances(instances, root, sources, new Map(expanded.map((e) => [e.spec, e.provisioner])), namesUnique)]
  const suites = (raw.suites as {name: unknown}[]).map((s) => String(s.name))
  if (errors.length === 0 && instances.length === 0) {
    errors.push(new ConfigError('no instances: every suite excludes (or fails to include) every platform', sources.item('suites', suites[0] ?? ''), {hint: "Check the suites' includes and excludes."}))
  }
  if (errors.length > 0) throw new ConfigErrors(errors)
  return {
    root,
    file,
    instances,
    platforms: (raw.platforms as {name: unknown}[]).map((p) => String(p.name)),
    suites,
    secrets: [...env.secrets],
    // Unset variables stop only what runs steps (see ProjectConfig.envErrors): destroy and list still work.
    envErrors: env.errors(sources),
    locate: (list, name, key) => sources.item(list, name, key),
  }
}
