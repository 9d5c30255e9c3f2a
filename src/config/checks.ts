/**
 * The loader's checks after merging: names (empty lists, duplicates, unknown platforms in includes
 * and excludes), files the instances name (scripts, a tool's files and folders), each tool's own
 * checks, and instance names that clash. Every problem is reported once, at the place that writes it.
 */
import {statSync} from 'node:fs'
import path from 'node:path'
import {isMap, isScalar, isSeq, type Node, type YAMLMap} from 'yaml'
import {formatAddress, parseAddress} from '../../drivers/docker/endpoint.js'
import {ConfigError, type ErrorOptions, type GalleyError, type SourcePosition} from '../errors.js'
import {pathProblem} from '../provisioners/plugin.js'
import {PROVISIONERS, provisionerNamed} from '../provisioners/index.js'
import {VERIFIERS} from '../verifiers/index.js'
import type {Raw} from './read.js'
import {closest} from './schema.js'
import type {Sources} from './source.js'
import type {InstanceSpec} from './types.js'

/** Collects errors, each once by its id. */
class Problems {
  readonly errors: ConfigError[] = []
  private readonly seen = new Set<string>()

  add(id: string, message: string, at: SourcePosition | undefined, options?: ErrorOptions): void {
    if (this.seen.has(id)) return
    this.seen.add(id)
    this.errors.push(new ConfigError(message, at, options))
  }
}

/**
 * What galley.local.yml may leave a platform without, since it need not repeat galley.yml: an
 * image (unset, or a platform of its own that names none), or an image's `bootstrap:` (a mapping
 * merged over an engine image's name). Run before the matrix, which reads every platform's image.
 */
export function checkMerged(raw: Raw, sources: Sources): ConfigError[] {
  const problems = new Problems()
  for (const p of raw.platforms as Raw[]) {
    const name = String(p.name)
    const image = p.image
    if (typeof image === 'string' || (typeof image === 'object' && image !== null && 'bootstrap' in image)) continue
    const what = image === undefined ? 'has no image' : 'has an image with no `bootstrap:`'
    problems.add(`image ${name}`, `platform \`${name}\` ${what} once galley.local.yml is merged over galley.yml`, sources.item('platforms', name, 'image'), {
      hint: 'Give the platform image: NAME:TAG or {bootstrap: ...} (in galley.local.yml, a whole image replaces an engine image name).',
    })
  }
  return problems.errors
}

/** Checks the merged platforms and suites by name. */
export function checkNames(raw: Raw, sources: Sources): ConfigError[] {
  const problems = new Problems()
  const main = sources.maps[sources.maps.length - 1]
  for (const list of ['platforms', 'suites'] as const) {
    if ((raw[list] as Raw[]).length === 0) problems.add(`empty ${list}`, `${list} must list at least one entry`, main.at(main.doc.contents as Node))
    for (const src of sources.maps) {
      const names = new Set<string>()
      const seq = (src.doc.contents as YAMLMap | null)?.get?.(list, true)
      for (const item of isSeq(seq) ? seq.items : []) {
        const n = isMap(item) ? item.get('name', true) : undefined
        if (!isScalar(n)) continue
        const name = String(n.value)
        if (names.has(name)) problems.add(`duplicate ${src.file} ${list} ${name}`, `duplicate ${list.slice(0, -1)} name \`${name}\``, src.at(n as Node), {hint: `Give each entry in ${list} its own name.`})
        names.add(name)
      }
    }
  }
  const platformNames = (raw.platforms as Raw[]).map((p) => String(p.name))
  for (const s of raw.suites as Raw[]) {
    for (const key of ['includes', 'excludes'] as const) {
      for (const p of (s[key] as string[] | undefined) ?? []) {
        if (platformNames.includes(p)) continue
        const guess = closest(p, platformNames)
        problems.add(`${s.name} ${key} ${p}`, `suite \`${s.name}\` ${key} unknown platform \`${p}\`` + (guess ? ` — did you mean \`${guess}\`?` : ''), sources.item('suites', String(s.name), key), {hint: `Known platforms: ${platformNames.join(', ')}.`})
      }
    }
  }
  return problems.errors
}

/** Script paths of steps, tests and verifier files: inside the project, existing, plain. */
function checkScripts(instances: InstanceSpec[], root: string, sources: Sources, problems: Problems): void {
  for (const inst of instances) {
    const verifierFiles = VERIFIERS.flatMap((v) => (v.files?.(inst.verifier.sections[v.key] ?? []) ?? []).map((script) => ({what: v.key, script, parent: v.key})))
    const entries = [
      ...inst.provisioner.steps.map((e) => ({what: 'step', script: e.script, parent: 'steps'})),
      ...inst.verifier.tests.map((e) => ({what: 'test', script: e.script, parent: 'tests'})),
      ...verifierFiles,
    ]
    for (const {what, script, parent} of entries) {
      if (!script) continue
      const owner = () => sources.key(parent === 'steps' || parent === 'tests' ? 'script' : parent, script) ?? sources.item('suites', inst.suite, what === 'step' ? 'provisioner' : 'verifier')
      if (/[\x00-\x1f\x7f]/.test(script)) {
        problems.add(`script ${script}`, `script path ${JSON.stringify(script)} holds a control character`, owner(), {hint: 'Give the plain relative path of the script file.'})
        continue
      }
      const target = path.resolve(root, script)
      const inside = !path.relative(root, target).startsWith('..') && !path.isAbsolute(script)
      const found = inside ? statSync(target, {throwIfNoEntry: false}) : undefined
      if (found?.isFile()) continue
      if (inside) {
        problems.add(`script ${script}`, `${what} script \`${script}\` ${found ? 'is a folder, not a file' : 'not found'} (looked for ${path.relative(process.cwd(), target) || target})`, owner(), {hint: 'Script paths are relative to the folder holding galley.yml.'})
      } else {
        problems.add(`script ${script}`, `${what} script \`${script}\` is outside the project folder, which is all an instance sees`, owner(), {hint: 'Move the script into the folder holding galley.yml (or a subfolder) and give its relative path.'})
      }
    }
  }
}

/**
 * A pool's engines: readable addresses, each engine once, names that tell them apart, and not
 * both `socket` (one engine) and `hosts` (several).
 */
function checkPools(instances: InstanceSpec[], sources: Sources, problems: Problems): void {
  for (const inst of instances) {
    const {hosts, socket} = inst.driver
    if (!hosts || (inst.driver.name !== 'docker' && inst.driver.name !== 'auto')) continue
    const at = () => sources.key('hosts') ?? sources.item('suites', inst.suite, 'driver')
    if (hosts.length === 0) problems.add('hosts empty', 'driver.hosts must list at least one engine', at(), {hint: 'List engine addresses, or remove hosts to use one engine.'})
    if (socket !== undefined) problems.add('hosts and socket', 'driver sets both `socket` (one engine) and `hosts` (a pool of engines)', sources.key('socket') ?? at(), {hint: 'Keep one: list the socket among the hosts.'})
    const names = new Set<string>()
    const addresses = new Set<string>()
    for (const host of hosts) {
      const label = host.address ?? host.context ?? ''
      if (host.address !== undefined) {
        try {
          const address = formatAddress(parseAddress(host.address))
          if (addresses.has(address)) problems.add(`host twice ${address}`, `engine \`${host.address}\` is listed twice in driver.hosts`, sources.scalar(host.address) ?? at(), {hint: 'List each engine once; capacity says how many instances it runs at once.'})
          addresses.add(address)
        } catch (error) {
          problems.add(`host ${host.address}`, (error as GalleyError).message, sources.scalar(host.address) ?? at(), {hint: (error as GalleyError).hint})
        }
      }
      const name = host.name ?? label
      if (names.has(name)) problems.add(`host name ${name}`, `two engines of driver.hosts are named \`${name}\``, sources.key('name', name) ?? at(), {hint: 'Give each engine its own name: {name: ..., host: ...}.'})
      names.add(name)
    }
  }
}

/**
 * Each instance's provisioner: the tool's required settings are there, settings of other tools
 * are not, every file or folder named exists inside the project, and the tool's own checks pass.
 */
function checkProvisioners(instances: InstanceSpec[], root: string, sources: Sources, raw: Map<InstanceSpec, Raw>, problems: Problems): void {
  const owners = (key: string) => PROVISIONERS.filter((p) => key in p.settings).map((p) => p.name)
  for (const inst of instances) {
    const tool = provisionerNamed(inst.provisioner.name)
    if (!tool) continue
    const suiteAt = () => sources.item('suites', inst.suite, 'provisioner')
    const given = raw.get(inst) ?? {}
    for (const [key, setting] of Object.entries(tool.settings)) {
      if (setting.required && given[key] === undefined) {
        problems.add(`required ${inst.suite} ${key}`, `suite \`${inst.suite}\` uses the ${tool.name} provisioner but has no \`${key}:\``, sources.key('name', tool.name) ?? suiteAt(), {hint: `Add provisioner: {name: ${tool.name}, ${key}: ...} (see the README's provisioners section).`})
      }
      // galley.local.yml may empty any list; not one the tool cannot run without.
      if (setting.required && Array.isArray(given[key]) && (given[key] as unknown[]).length === 0) {
        problems.add(`required ${inst.suite} ${key}`, `suite \`${inst.suite}\` uses the ${tool.name} provisioner, whose \`${key}:\` must name at least one entry`, sources.key(key) ?? suiteAt(), {hint: `Name one in galley.local.yml, or leave \`${key}:\` out of it to keep galley.yml's.`})
      }
      if (!setting.files || given[key] === undefined) continue
      for (const rel of (Array.isArray(given[key]) ? (given[key] as unknown[]) : [given[key]]).map(String)) {
        const problem = pathProblem(root, rel, setting.files)
        if (problem) problems.add(`path ${key} ${rel}`, `${key} \`${rel}\` ${problem}`, sources.key(key, rel) ?? suiteAt(), {hint: 'Paths are relative to the folder holding galley.yml, which is all an instance sees.'})
      }
    }
    for (const key of Object.keys(given)) {
      if (key in tool.settings || ['name', 'steps', 'env', 'idempotence', 'timeout'].includes(key)) continue
      const tools = owners(key)
      problems.add(`foreign ${key} ${tool.name}`, `\`${key}\` is a setting of the ${tools.join(' and ')} provisioner${tools.length > 1 ? 's' : ''}, but suite \`${inst.suite}\` uses ${tool.name}`, sources.key(key) ?? suiteAt(), {hint: `Set provisioner: {name: ${tools[0]}} in that suite, or remove \`${key}\`.`})
    }
    tool.check?.(inst.provisioner.options, inst, {
      root,
      error: (message, at, hint) => problems.add(`${tool.name} ${message}`, message, sources.key(at.key, at.value) ?? suiteAt(), {hint}),
    })
  }
}

/**
 * Checks the expanded instances; `raw` holds each one's merged `provisioner:` mapping. Instance
 * names are compared only when platform and suite names are unique (a duplicate is reported as such).
 */
export function checkInstances(instances: InstanceSpec[], root: string, sources: Sources, raw: Map<InstanceSpec, Raw>, namesUnique: boolean): ConfigError[] {
  const problems = new Problems()
  checkScripts(instances, root, sources, problems)
  checkProvisioners(instances, root, sources, raw, problems)
  checkPools(instances, sources, problems)
  const byName = new Map<string, string>()
  for (const inst of namesUnique ? instances : []) {
    const other = byName.get(inst.name)
    if (other) problems.add(`instance ${inst.name}`, `instance name \`${inst.name}\` is made twice (${other} and suite \`${inst.suite}\` × platform \`${inst.platform.name}\`)`, sources.item('suites', inst.suite), {hint: 'Rename a suite or platform so that <suite>-<platform> names differ.'})
    byName.set(inst.name, `suite \`${inst.suite}\` × platform \`${inst.platform.name}\``)
  }
  return problems.errors
}
