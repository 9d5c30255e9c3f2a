/**
 * The loader's matrix stage: every suite on every platform it includes, each section merged (top,
 * platform, suite) and read into an instance's settings, the tools' own settings by their
 * descriptors.
 */
import {homedir} from 'node:os'
import path from 'node:path'
import {isScalar} from 'yaml'
import {provisionerNamed} from '../provisioners/index.js'
import {VERIFIERS} from '../verifiers/index.js'
import type {ReadContext} from '../verifiers/plugin.js'
import type {EnvReader} from './env.js'
import {layered} from './merge.js'
import type {Raw} from './read.js'
import type {Sources} from './source.js'
import {SYSTEMD_PACKAGES, type DriverName, type DriverSettings, type DummyAction, type ImageSpec, type InitSystem, type InstanceSpec, type PoolHost, type ProvisionerSettings, type SourceRef, type StepSpec, type TestSpec, type TimeoutSetting, type VerifierSettings} from './types.js'
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

/** A file a pool entry names: `~/` is the home folder, a relative path is the project's. */
function hostFile(value: unknown, root: string): string {
  const text = String(value)
  return text === '~' || text.startsWith('~/') ? path.join(homedir(), text.slice(1)) : path.resolve(root, text)
}

function toPoolHost(raw: Raw | string, root: string): PoolHost {
  if (typeof raw === 'string') return {address: raw.trim()}
  const tls = raw.tls as Raw | undefined
  const ssh = raw.ssh as Raw | undefined
  const folder = tls?.cert_path !== undefined ? hostFile(tls.cert_path, root) : undefined
  const file = (key: string) => (tls?.[key] !== undefined ? hostFile(tls[key], root) : folder && path.join(folder, `${key}.pem`))
  return {
    ...(raw.name !== undefined ? {name: String(raw.name)} : {}),
    ...(raw.host !== undefined ? {address: String(raw.host).trim()} : {}),
    ...(raw.context !== undefined ? {context: String(raw.context)} : {}),
    ...(raw.capacity !== undefined ? {capacity: Number(raw.capacity)} : {}),
    ...(tls ? {tls: {ca: file('ca'), cert: file('cert'), key: file('key'), verify: tls.verify !== false}} : {}),
    ...(ssh
      ? {ssh: {...(ssh.identity !== undefined ? {identity: hostFile(ssh.identity, root)} : {}), ...(ssh.known_hosts !== undefined ? {knownHosts: hostFile(ssh.known_hosts, root)} : {})}}
      : {}),
  }
}

function toDriver(raw: Raw, root: string, override?: DriverName): DriverSettings {
  return {
    name: override ?? ((raw.name as DriverName | undefined) ?? 'auto'),
    ...(raw.socket !== undefined ? {socket: String(raw.socket)} : {}),
    ...(Array.isArray(raw.hosts) ? {hosts: (raw.hosts as (Raw | string)[]).map((h) => toPoolHost(h, root))} : {}),
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

/** A step's or test's own `timeout:`, named by the line of its entry in galley.yml. */
function ownTimeout(entry: Raw, what: 'step' | 'test', ctx: ExpandContext): TimeoutSetting | undefined {
  if (entry.timeout === undefined) return undefined
  const [key, value] = entry.script !== undefined ? ['script', String(entry.script)] : ['run', String(entry.run)]
  const at = ctx.sources.entry((k, v, parent) => parent === `${what}s` && k === key && isScalarValue(v, value), ctx.root)
  return {ms: parseDuration(entry.timeout) ?? 0, where: `the ${what}'s \`timeout:\`` + (at ? ` (${at.file}:${at.line})` : '')}
}

/** A section's `timeout:` (the default of its steps or tests), named by where it is written. */
function sectionTimeout(raw: Raw, section: 'provisioner' | 'verifier', ctx: ExpandContext): TimeoutSetting | undefined {
  if (raw.timeout === undefined) return undefined
  const at = ctx.sources.key('timeout', String(raw.timeout), section)
  const file = at && (path.relative(ctx.root, path.resolve(process.cwd(), at.file)) || at.file)
  return {ms: parseDuration(raw.timeout) ?? 0, where: `${section}.timeout` + (at ? ` (${file}:${at.line})` : '')}
}

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
        ...(s.timeout !== undefined ? {timeout: ownTimeout(s, 'step', ctx)} : {}),
      },
      ctx,
    ),
  )
  const name = (raw.name as string | undefined) ?? 'shell'
  const timeout = sectionTimeout(raw, 'provisioner', ctx)
  return {name, steps, env: ctx.env.read(raw.env), idempotence: raw.idempotence === true, ...(timeout ? {timeout} : {}), options: provisionerNamed(name)?.read(raw) ?? {}}
}

function toVerifier(raw: Raw, ctx: ExpandContext): VerifierSettings {
  const user = raw.user !== undefined ? String(raw.user) : undefined
  const tests = ((raw.tests as Raw[] | undefined) ?? []).map((t): TestSpec => {
    const testUser = t.user !== undefined ? String(t.user) : user
    return withSource(
      {
        name: String(t.name ?? t.script ?? t.run),
        ...(t.script !== undefined ? {script: String(t.script)} : {run: String(t.run)}),
        exitStatus: Number(t.exit_status ?? 0),
        env: ctx.env.read(t.env),
        ...(testUser !== undefined ? {user: testUser} : {}),
        ...(t.timeout !== undefined ? {timeout: ownTimeout(t, 'test', ctx)} : {}),
      },
      ctx,
    )
  })
  const read: ReadContext = {
    root: ctx.root,
    ...(user !== undefined ? {user} : {}),
    env: (v) => ctx.env.read(v),
    source: (section, key, value) => ctx.sources.entry((k, v, parent) => parent === section && k === key && isScalarValue(v, value), ctx.root),
  }
  const sections = Object.fromEntries(VERIFIERS.map((v) => [v.key, v.read((raw[v.key] as unknown[] | undefined) ?? [], read)]))
  const timeout = sectionTimeout(raw, 'verifier', ctx)
  return {name: (raw.name as string | undefined) ?? 'shell', tests, env: ctx.env.read(raw.env), ...(user !== undefined ? {user} : {}), sections, ...(timeout ? {timeout} : {})}
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
        driver: toDriver(layered(raw, p, s, 'driver'), ctx.root, ctx.driver),
        provisioner: toProvisioner(provisioner, ctx),
        verifier: toVerifier(layered(raw, p, s, 'verifier'), ctx),
      }
      instances.push({spec, provisioner})
    }
  }
  return instances
}
