/**
 * The loader's matrix stage: every suite on every platform it includes, each section merged (top,
 * platform, suite) and read into an instance's settings, the tools' own settings by their
 * descriptors.
 */
import {isScalar} from 'yaml'
import {provisionerNamed} from '../provisioners/index.js'
import {VERIFIERS} from '../verifiers/index.js'
import type {ReadContext} from '../verifiers/plugin.js'
import type {EnvReader} from './env.js'
import {layered} from './merge.js'
import type {Raw} from './read.js'
import type {Sources} from './source.js'
import {SYSTEMD_PACKAGES, type DriverName, type DriverSettings, type DummyAction, type ImageSpec, type InitSystem, type InstanceSpec, type ProvisionerSettings, type SourceRef, type StepSpec, type TestSpec, type VerifierSettings} from './types.js'
import {parseDuration, parseSize} from './values.js'

export interface ExpandContext {
  root: string
  env: EnvReader
  sources: Sources
  /** --driver: every instance on this engine. */
  driver?: DriverName
  /** Where each inline command is written, found once for every instance that runs it. */
  places?: Map<string, SourceRef | undefined>
}

/**
 * The platform's image. A debootstrap image for `init: systemd` gets systemd's packages and is
 * marked as such (its spec, and so its id, differ from the same image without); an engine image
 * is used as it is.
 */
function toImage(raw: Raw | string, init: InitSystem): ImageSpec {
  if (typeof raw === 'string') return {ref: raw.trim()}
  if (raw.bootstrap === 'busybox') return {bootstrap: 'busybox'}
  const packages = ((raw.packages as string[] | undefined) ?? []).map(String)
  return {
    bootstrap: 'debootstrap',
    release: String(raw.release ?? 'bookworm'),
    variant: String(raw.variant ?? 'minbase'),
    packages: init === 'systemd' ? [...new Set([...packages, ...SYSTEMD_PACKAGES])] : packages,
    ...(raw.mirror ? {mirror: String(raw.mirror)} : {}),
    ...(init === 'systemd' ? {init} : {}),
  }
}

function toDriver(raw: Raw, override?: DriverName): DriverSettings {
  return {
    name: override ?? ((raw.name as DriverName | undefined) ?? 'auto'),
    ...(raw.socket !== undefined ? {socket: String(raw.socket)} : {}),
    ...(raw.memory !== undefined ? {memory: parseSize(raw.memory)} : {}),
    ...(raw.cpus !== undefined ? {cpus: Number(raw.cpus)} : {}),
    ...(raw.pids !== undefined ? {pids: Number(raw.pids)} : {}),
    ...(raw.privileged !== undefined ? {privileged: raw.privileged === true} : {}),
    ...(raw.sleep !== undefined ? {sleepMs: parseDuration(raw.sleep)} : {}),
    ...(raw.fail !== undefined ? {fail: [raw.fail].flat() as DummyAction[]} : {}),
  }
}

/** Where a step or test is written: a script is its own file; an inline command its entry in galley.yml. */
function sourceOf(entry: {script?: string; run?: string}, ctx: ExpandContext): SourceRef | undefined {
  if (entry.script) return {file: entry.script}
  const run = entry.run
  if (run === undefined) return undefined
  const places = (ctx.places ??= new Map())
  if (!places.has(run)) places.set(run, ctx.sources.entry((k, v) => k === 'run' && isScalarValue(v, run), ctx.root))
  return places.get(run)
}

const isScalarValue = (node: unknown, value: string) => isScalar(node) && String(node.value) === value

function withSource<T extends {script?: string; run?: string}>(entry: T, ctx: ExpandContext): T & {source?: SourceRef} {
  const source = sourceOf(entry, ctx)
  return source ? {...entry, source} : entry
}

function toProvisioner(raw: Raw, ctx: ExpandContext): ProvisionerSettings {
  const steps = ((raw.steps as Raw[] | undefined) ?? []).map((s): StepSpec =>
    withSource(
      {
        name: String(s.name ?? s.script ?? s.run),
        ...(s.script !== undefined ? {script: String(s.script)} : {run: String(s.run)}),
        env: ctx.env.read(s.env),
        ...(s.check !== undefined ? {check: String(s.check)} : {}),
      },
      ctx,
    ),
  )
  const name = (raw.name as string | undefined) ?? 'shell'
  return {name, steps, env: ctx.env.read(raw.env), idempotence: raw.idempotence === true, options: provisionerNamed(name)?.read(raw) ?? {}}
}

function toVerifier(raw: Raw, ctx: ExpandContext): VerifierSettings {
  const tests = ((raw.tests as Raw[] | undefined) ?? []).map((t): TestSpec =>
    withSource(
      {
        name: String(t.name ?? t.script ?? t.run),
        ...(t.script !== undefined ? {script: String(t.script)} : {run: String(t.run)}),
        exitStatus: Number(t.exit_status ?? 0),
        env: ctx.env.read(t.env),
      },
      ctx,
    ),
  )
  const read: ReadContext = {
    env: (v) => ctx.env.read(v),
    source: (section, key, value) => ctx.sources.entry((k, v, parent) => parent === section && k === key && isScalarValue(v, value), ctx.root),
  }
  const sections = Object.fromEntries(VERIFIERS.map((v) => [v.key, v.read((raw[v.key] as unknown[] | undefined) ?? [], read)]))
  return {name: (raw.name as string | undefined) ?? 'shell', tests, env: ctx.env.read(raw.env), sections}
}

/** An instance, with the merged `provisioner:` mapping it was read from (for the checks). */
export interface Expanded {
  spec: InstanceSpec
  provisioner: Raw
}

/** The instances of the merged file: suite × platform, less what includes and excludes leave out. */
export function expandInstances(raw: Raw, ctx: ExpandContext): Expanded[] {
  const instances: Expanded[] = []
  for (const s of raw.suites as Raw[]) {
    const includes = s.includes as string[] | undefined
    const excludes = (s.excludes as string[] | undefined) ?? []
    for (const p of raw.platforms as Raw[]) {
      const pname = String(p.name)
      if ((includes && !includes.includes(pname)) || excludes.includes(pname)) continue
      const provisioner = layered(raw, p, s, 'provisioner')
      const init = (p.init as InitSystem | undefined) ?? 'none'
      const spec: InstanceSpec = {
        name: `${s.name}-${pname}`,
        suite: String(s.name),
        platform: {name: pname, image: toImage(p.image as Raw | string, init), init},
        driver: toDriver(layered(raw, p, s, 'driver'), ctx.driver),
        provisioner: toProvisioner(provisioner, ctx),
        verifier: toVerifier(layered(raw, p, s, 'verifier'), ctx),
      }
      instances.push({spec, provisioner})
    }
  }
  return instances
}
