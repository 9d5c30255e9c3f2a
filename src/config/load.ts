/** Loads galley.yml (+ galley.local.yml), validates it with positions, and expands the instance matrix. */
import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap} from 'yaml'
import {ConfigError, ConfigErrors} from '../errors.js'
import {assertionKind, check, closest, fileSchema, parseDuration, parseSize, SourceMap} from './schema.js'
import {ASSERT_KINDS, isImageRef, type AssertKind, type Assertion, type SourceRef, type VerifierName} from './types.js'
import {readTags} from '../images/store.js'
import {provisionerErrors, toolSettings} from '../provisioners/settings.js'
import type {DriverName, DriverSettings, DummyAction, ImageSpec, InstanceSpec, ProjectConfig, ProvisionerSettings, StepSpec, TestSpec, VerifierSettings} from './types.js'

type Raw = Record<string, unknown>
const MAX_CONFIG_BYTES = 1 << 20

export interface LoadOptions {
  cwd: string
  /** --config FILE; default galley.yml in cwd. */
  file?: string
  /** --driver NAME: every instance on this engine, whatever the file says. */
  driver?: DriverName
}

function readYaml(file: string, isOverride: boolean): {raw: Raw; src: SourceMap} {
  const display = path.relative(process.cwd(), file) || file
  let text: string
  try {
    const size = statSync(file).size
    if (size > MAX_CONFIG_BYTES) throw new ConfigError(`${display} is ${size} bytes; a galley config may be at most 1 MiB`)
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof ConfigError) throw error
    throw new ConfigError(`cannot read ${display}`, undefined, {cause: error, hint: 'Check that the file exists and is readable.'})
  }
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false, uniqueKeys: true})
  const src = new SourceMap(display, doc, lines)
  if (doc.errors.length > 0) {
    throw new ConfigErrors(
      doc.errors.map((e) => new ConfigError(`invalid YAML: ${e.message.split('\n')[0]}`, {file: display, ...(lines.linePos(e.pos[0]))}, {hint: 'Fix the YAML syntax at that position.'})),
    )
  }
  const errors: ConfigError[] = []
  const contents = doc.contents as Node | null
  if (contents === null && isOverride) return {raw: {}, src}
  check(contents, fileSchema(isOverride), path.basename(file), src, errors)
  if (errors.length > 0) throw new ConfigErrors(errors)
  return {raw: (doc.toJS({maxAliasCount: 100}) ?? {}) as Raw, src}
}

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Deep merge: objects merge key by key, anything else is replaced by the override. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override
  const out: Raw = {...base}
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v)
  return out
}

/** Lists of named things (platforms, suites) merge by name; new names are appended. */
function mergeNamed(base: unknown, override: unknown): Raw[] {
  const out = ((base as Raw[] | undefined) ?? []).map((x) => ({...x}))
  for (const item of (override as Raw[] | undefined) ?? []) {
    const i = out.findIndex((x) => x.name === item.name)
    if (i >= 0) out[i] = deepMerge(out[i], item) as Raw
    else out.push(item)
  }
  return out
}

function mergeFiles(main: Raw, local: Raw): Raw {
  return {
    ...(deepMerge(main, {...local, platforms: undefined, suites: undefined}) as Raw),
    platforms: mergeNamed(main.platforms, local.platforms),
    suites: mergeNamed(main.suites, local.suites),
  }
}

/** Finds the YAML node of a named item's key, for positions of errors found after merging. */
function namedItemNode(src: SourceMap, list: 'platforms' | 'suites', name: string, key?: string): Node | undefined {
  const seq = (src.doc.contents as YAMLMap | null)?.get?.(list, true)
  if (!isSeq(seq)) return undefined
  for (const item of seq.items) {
    if (!isMap(item)) continue
    const n = item.get('name', true)
    if (isScalar(n) && n.value === name) return key ? ((item.get(key, true) as Node | undefined) ?? item) : (n as Node)
  }
  return undefined
}

/** What one load found about env values: the secret ones, and ${VAR}s that are not set. */
let envFindings: {secrets: Set<string>; unset: {key: string; raw: string; name: string}[]} = {secrets: new Set(), unset: []}

/**
 * An env map as strings. `${VAR}` takes VAR from the environment Galley runs in, and such a value is
 * secret; so is `{value: ..., secret: true}`. Secrets are masked wherever Galley prints or writes.
 */
function toEnv(v: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, val] of Object.entries((v as Raw | undefined) ?? {})) {
    const entry = isObject(val) ? val : {value: val}
    const raw = String(entry.value)
    let fromEnv = false
    const value = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
      fromEnv = true
      const found = process.env[name]
      if (found === undefined) envFindings.unset.push({key: k, raw, name})
      return found ?? ''
    })
    out[k] = value
    if ((fromEnv || entry.secret === true) && value !== '') envFindings.secrets.add(value)
  }
  return out
}

function toImage(raw: Raw | string): ImageSpec {
  if (typeof raw === 'string') return {ref: raw.trim()}
  if (raw.bootstrap === 'busybox') return {bootstrap: 'busybox'}
  return {
    bootstrap: 'debootstrap',
    release: String(raw.release ?? 'bookworm'),
    variant: String(raw.variant ?? 'minbase'),
    packages: ((raw.packages as string[] | undefined) ?? []).map(String),
    ...(raw.mirror ? {mirror: String(raw.mirror)} : {}),
  }
}

function toDriver(raw: Raw, override?: DriverName): DriverSettings {
  return {
    name: override ?? ((raw.name as DriverName | undefined) ?? 'auto'),
    ...(raw.socket !== undefined ? {socket: String(raw.socket)} : {}),
    ...(raw.memory !== undefined ? {memory: parseSize(raw.memory)} : {}),
    ...(raw.cpus !== undefined ? {cpus: Number(raw.cpus)} : {}),
    ...(raw.pids !== undefined ? {pids: Number(raw.pids)} : {}),
    ...(raw.sleep !== undefined ? {sleepMs: parseDuration(raw.sleep)} : {}),
    ...(raw.fail !== undefined ? {fail: [raw.fail].flat() as DummyAction[]} : {}),
  }
}

function toProvisioner(raw: Raw): ProvisionerSettings {
  const steps = ((raw.steps as Raw[] | undefined) ?? []).map(
    (s): StepSpec => ({
      name: String(s.name ?? s.script ?? s.run),
      ...(s.script !== undefined ? {script: String(s.script)} : {run: String(s.run)}),
      env: toEnv(s.env),
      ...(s.check !== undefined ? {check: String(s.check)} : {}),
    }),
  )
  return {name: (raw.name as ProvisionerSettings['name'] | undefined) ?? 'shell', steps, env: toEnv(raw.env), ...toolSettings(raw)}
}

function toVerifier(raw: Raw): VerifierSettings {
  const tests = ((raw.tests as Raw[] | undefined) ?? []).map(
    (t): TestSpec => ({
      name: String(t.name ?? t.script ?? t.run),
      ...(t.script !== undefined ? {script: String(t.script)} : {run: String(t.run)}),
      exitStatus: Number(t.exit_status ?? 0),
      env: toEnv(t.env),
    }),
  )
  const junit = ((raw.junit as Raw[] | undefined) ?? []).map((j) => ({name: String(j.name ?? j.run), run: String(j.run), report: String(j.report), env: toEnv(j.env)}))
  const bats = ((raw.bats as unknown[] | undefined) ?? []).map(String)
  const assert = ((raw.assert as Raw[] | undefined) ?? []).map(toAssertion)
  return {name: (raw.name as VerifierName | undefined) ?? 'shell', tests, assert, bats, junit, env: toEnv(raw.env)}
}

const COMMON_ASSERT_KEYS = new Set(['name', 'retry', 'timeout'])

function toAssertion(raw: Raw): Assertion {
  const kind = assertionKind(Object.keys(raw)) as AssertKind
  const target = String(raw[kind])
  const expect = Object.fromEntries(Object.entries(raw).filter(([k]) => k !== kind && !COMMON_ASSERT_KEYS.has(k)))
  return {
    kind,
    target,
    name: raw.name !== undefined ? String(raw.name) : `${kind} ${target}`,
    expect,
    retry: Number(raw.retry ?? 0),
    ...(raw.timeout !== undefined ? {timeoutMs: parseDuration(raw.timeout)} : {}),
  }
}

/** Loads and validates the project's config; throws ConfigErrors listing every problem found. */
export function loadConfig(options: LoadOptions): ProjectConfig {
  let file = path.resolve(options.cwd, options.file ?? 'galley.yml')
  // --config may name the folder that holds galley.yml.
  if (statSync(file, {throwIfNoEntry: false})?.isDirectory()) file = path.join(file, 'galley.yml')
  if (!existsSync(file)) {
    throw new ConfigError(`no ${path.basename(file)} in ${path.dirname(file)}`, undefined, {
      hint: options.file ? 'Check the path given to --config.' : 'Run galley in a folder with a galley.yml, or pass --config FILE.',
    })
  }
  const root = path.dirname(file)
  envFindings = {secrets: new Set(), unset: []}
  const main = readYaml(file, false)
  const localFile = path.join(root, path.basename(file).replace(/\.ya?ml$/, '') + '.local.yml')
  const local = existsSync(localFile) ? readYaml(localFile, true) : undefined
  const raw = local ? mergeFiles(main.raw, local.raw) : main.raw
  const sources = local ? [local.src, main.src] : [main.src]
  const at = (list: 'platforms' | 'suites', name: string, key?: string) => {
    for (const src of sources) {
      const node = namedItemNode(src, list, name, key)
      if (node) return src.at(node)
    }
    return {file: main.src.file, line: 1, col: 1}
  }

  const errors: ConfigError[] = []
  const platforms = raw.platforms as Raw[]
  const suites = raw.suites as Raw[]
  for (const [list, items] of [['platforms', platforms], ['suites', suites]] as const) {
    if (items.length === 0) errors.push(new ConfigError(`${list} must list at least one entry`, main.src.at(main.src.doc.contents as Node)))
    for (const src of sources) {
      const names = new Set<string>()
      const seq = (src.doc.contents as YAMLMap | null)?.get?.(list, true)
      for (const item of isSeq(seq) ? seq.items : []) {
        const n = isMap(item) ? item.get('name', true) : undefined
        if (!isScalar(n)) continue
        const name = String(n.value)
        if (names.has(name)) errors.push(new ConfigError(`duplicate ${list.slice(0, -1)} name \`${name}\``, src.at(n as Node), {hint: `Give each entry in ${list} its own name.`}))
        names.add(name)
      }
    }
  }
  const platformNames = platforms.map((p) => String(p.name))
  for (const s of suites) {
    for (const key of ['includes', 'excludes'] as const) {
      for (const p of (s[key] as string[] | undefined) ?? []) {
        if (!platformNames.includes(p)) {
          const guess = closest(p, platformNames)
          errors.push(
            new ConfigError(`suite \`${s.name}\` ${key} unknown platform \`${p}\`` + (guess ? ` — did you mean \`${guess}\`?` : ''), at('suites', String(s.name), key), {
              hint: `Known platforms: ${platformNames.join(', ')}.`,
            }),
          )
        }
      }
    }
  }

  const instances: InstanceSpec[] = []
  for (const s of suites) {
    const includes = s.includes as string[] | undefined
    const excludes = (s.excludes as string[] | undefined) ?? []
    for (const p of platforms) {
      const pname = String(p.name)
      if ((includes && !includes.includes(pname)) || excludes.includes(pname)) continue
      const layer = (key: string) => deepMerge(deepMerge(raw[key] ?? {}, p[key] ?? {}), s[key] ?? {}) as Raw
      const instance: InstanceSpec = {
        name: `${s.name}-${pname}`,
        suite: String(s.name),
        platform: {name: pname, image: toImage(p.image as Raw | string)},
        driver: toDriver(layer('driver'), options.driver),
        provisioner: toProvisioner(layer('provisioner')),
        verifier: toVerifier(layer('verifier')),
      }
      instances.push(instance)
    }
  }

  for (const inst of instances) {
    if (inst.driver.name === 'lxc' && isImageRef(inst.platform.image) && !readTags()[inst.platform.image.ref]) {
      errors.push(
        new ConfigError(`platform \`${inst.platform.name}\` names the image \`${inst.platform.image.ref}\`, which is not in Galley's LXC store (only images made with galley promote are)`, at('platforms', inst.platform.name, 'image'), {
          hint: 'Use image: {bootstrap: busybox} or {bootstrap: debootstrap, ...} with lxc, or run this platform with --driver docker.',
        }),
      )
    }
  }

  // Each missing script is reported once, at the place that names it.
  const missing = new Set<string>()
  for (const inst of instances) {
    const batsFiles = inst.verifier.bats.map((script) => ({script}))
    for (const [kind, entries] of [['steps', inst.provisioner.steps], ['tests', inst.verifier.tests], ['bats', batsFiles]] as const) {
      for (const e of entries) {
        if (!e.script) continue
        if (/[\x00-\x1f\x7f]/.test(e.script)) {
          const owner = findScriptNode(sources, e.script) ?? at('suites', inst.suite, kind === 'steps' ? 'provisioner' : 'verifier')
          if (!missing.has(e.script)) errors.push(new ConfigError(`script path ${JSON.stringify(e.script)} holds a control character`, owner, {hint: 'Give the plain relative path of the script file.'}))
          missing.add(e.script)
          continue
        }
        const target = path.resolve(root, e.script)
        const inside = !path.relative(root, target).startsWith('..') && !path.isAbsolute(e.script)
        const found = inside ? statSync(target, {throwIfNoEntry: false}) : undefined
        const ok = found?.isFile() ?? false
        if (ok || missing.has(e.script)) continue
        missing.add(e.script)
        const owner = findScriptNode(sources, e.script) ?? at('suites', inst.suite, kind === 'steps' ? 'provisioner' : 'verifier')
        const what = {steps: 'step', tests: 'test', bats: 'bats'}[kind]
        errors.push(
          inside
            ? new ConfigError(`${what} script \`${e.script}\` ${found ? 'is a folder, not a file' : 'not found'} (looked for ${path.relative(process.cwd(), target) || target})`, owner, {
                hint: 'Script paths are relative to the folder holding galley.yml.',
              })
            : new ConfigError(`${what} script \`${e.script}\` is outside the project folder, which is all an instance sees`, owner, {
                hint: 'Move the script into the folder holding galley.yml (or a subfolder) and give its relative path.',
              }),
        )
      }
    }
  }
  errors.push(...provisionerErrors(instances, root, sources, (suite) => at('suites', suite, 'provisioner')))
  const byName = new Map<string, string>()
  // Duplicate platform or suite names were reported already; their instances would only repeat it.
  for (const inst of errors.some((e) => e.message.includes('duplicate')) ? [] : instances) {
    const other = byName.get(inst.name)
    if (other) errors.push(new ConfigError(`instance name \`${inst.name}\` is made twice (${other} and suite \`${inst.suite}\` × platform \`${inst.platform.name}\`)`, at('suites', inst.suite), {hint: 'Rename a suite or platform so that <suite>-<platform> names differ.'}))
    byName.set(inst.name, `suite \`${inst.suite}\` × platform \`${inst.platform.name}\``)
  }
  if (errors.length === 0 && instances.length === 0) {
    errors.push(new ConfigError('no instances: every suite excludes (or fails to include) every platform', at('suites', String(suites[0]?.name ?? '')), {hint: 'Check the suites\' includes and excludes.'}))
  }
  // Unset variables stop only what runs steps (see ProjectConfig.envErrors): destroy and list still work.
  const envErrors: ConfigError[] = []
  const unsetSeen = new Set<string>()
  for (const u of envFindings.unset) {
    if (unsetSeen.has(`${u.key}\0${u.name}`)) continue
    unsetSeen.add(`${u.key}\0${u.name}`)
    envErrors.push(new ConfigError(`env ${u.key}: \${${u.name}} is not set in the environment galley runs in`, findScalarNode(sources, u.raw), {hint: `Set ${u.name} (export ${u.name}=...) before running galley, or give the value in galley.local.yml.`}))
  }
  if (errors.length > 0) throw new ConfigErrors(errors)
  annotateSources(instances, sources, root)
  return {root, file, instances, platforms: platformNames, suites: suites.map((s) => String(s.name)), secrets: [...envFindings.secrets], envErrors}
}

/**
 * Where each step, test and assertion is written, for CI annotations: a script is its own file; an
 * inline command or an assertion is its entry in galley.yml (or galley.local.yml), by line.
 */
function annotateSources(instances: InstanceSpec[], sources: SourceMap[], root: string): void {
  const places = new Map<string, SourceRef>()
  for (const src of sources) {
    const file = path.relative(root, path.resolve(process.cwd(), src.file)) || src.file
    const note = (key: string, node: Node) => {
      if (!places.has(key)) places.set(key, {file, line: src.at(node).line})
    }
    const visit = (node: unknown, parentKey?: string) => {
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : ''
          if (key === 'run' && isScalar(pair.value)) note(`run\0${String(pair.value.value)}`, node as Node)
          if (parentKey === 'assert' && (ASSERT_KINDS as readonly string[]).includes(key) && isScalar(pair.value)) note(`${key}\0${String(pair.value.value)}`, node as Node)
          visit(pair.value, key)
        }
      } else if (isSeq(node)) node.items.forEach((item) => visit(item, parentKey))
    }
    visit(src.doc.contents)
  }
  const locate = (e: {script?: string; run?: string}): SourceRef | undefined => (e.script ? {file: e.script} : e.run !== undefined ? places.get(`run\0${e.run}`) : undefined)
  for (const inst of instances) {
    for (const step of inst.provisioner.steps) step.source ??= locate(step)
    for (const test of inst.verifier.tests) test.source ??= locate(test)
    for (const a of inst.verifier.assert ?? []) a.source ??= places.get(`${a.kind}\0${a.target}`)
  }
}

/** The place of the first scalar whose value is `value`, in the local file first. */
function findScalarNode(sources: SourceMap[], value: string) {
  for (const src of sources) {
    let found: Node | undefined
    const visit = (node: unknown) => {
      if (found) return
      if (isScalar(node) && node.value === value) found = node as Node
      else if (isMap(node)) node.items.forEach((pair) => visit(pair.value))
      else if (isSeq(node)) node.items.forEach(visit)
    }
    visit(src.doc.contents)
    if (found) return src.at(found)
  }
  return undefined
}

function findScriptNode(sources: SourceMap[], script: string) {
  for (const src of sources) {
    let found: Node | undefined
    const visit = (node: unknown) => {
      if (found) return
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isScalar(pair.key) && pair.key.value === 'script' && isScalar(pair.value) && pair.value.value === script) found = pair.value as Node
          else if (isScalar(pair.key) && pair.key.value === 'bats' && isSeq(pair.value)) found = pair.value.items.find((i) => isScalar(i) && i.value === script) as Node | undefined
          else visit(pair.value)
        }
      } else if (isSeq(node)) node.items.forEach(visit)
    }
    visit(src.doc.contents)
    if (found) return src.at(found)
  }
  return undefined
}
