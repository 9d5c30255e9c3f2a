/**
 * A suite's Puppet module dependencies, resolved before anything runs: what the project's modules'
 * metadata.json files (the project's own, when it is a module, and those on its modulepath) and
 * its Puppetfile ask for, and where each will come from: a module the project has, a tarball it
 * names, a git repository, Debian's puppet-module-* package when the release has one whose
 * version fits (or any version, with `accept_debian`), or the Forge. Modules the suite's
 * `dependencies: {skip: [...]}` names are not installed at all.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {PROJECT_DIR} from '../../model.js'
import {gitCommit} from '../git-refs.js'
import {tarballJson} from '../tarball.js'
import {modules as bookworm} from './debian/bookworm.js'
import {modules as bullseye} from './debian/bullseye.js'
import {modules as trixie} from './debian/trixie.js'
import {parsePuppetfile} from './puppetfile.js'
import {forgeName, moduleDir, satisfies} from './versions.js'

const DEBIAN: Record<string, Record<string, [string, string]>> = {bullseye, bookworm, trixie}

/** Who asked for a module, for messages: `modules/demo/metadata.json (galley-demo)`, `Puppetfile:3`. */
export interface Need {
  name: string
  range?: string
  by: string
}

export type Source =
  /** `outside`: the range Debian's version is outside of, taken because `accept_debian` says so. */
  | {how: 'debian'; name: string; package: string; version: string; by: string; outside?: string}
  | {how: 'forge'; name: string; range?: string; by: string}
  | {how: 'tarball'; name: string; file: string; by: string}
  | {how: 'git'; name: string; url: string; ref?: string; commit?: string; by: string}
  /** The project is itself this module: linked into the modulepath under its folder name. */
  | {how: 'project'; name: string; by: string}

export interface PuppetDeps {
  sources: Source[]
  /** Files whose contents decide the sources (metadata.json files, the Puppetfile, tarballs). */
  files: string[]
  problems: {message: string; file: string; line: number; hint?: string}[]
  /** Modules not installed because `skip` names them. */
  skipped: string[]
  /** Names in `skip` that nothing asks for. */
  unknownSkips: string[]
  /** Modules from the Forge that Debian packages out of their range: [package, version]. */
  debianOutOfRange: Record<string, [string, string]>
}

export interface DepsInputs {
  /** modulepath entries: project folders, or absolute folders inside the instance (not read). */
  modulepath?: string[]
  puppetfile?: string
  tarballs?: string[]
  /** A Debian release Galley knows, whose packages may provide modules. */
  release?: string
  /** Modules not to install (`author/name`, `author-name`, or the name alone for any author). */
  skip?: string[]
  /** Take Debian's package even when its version is outside the range asked for. */
  acceptDebian?: boolean
}

interface Metadata {
  name: string
  version: string
  dependencies: {name: string; range?: string}[]
}

function readMetadata(json: Record<string, unknown> | undefined): Metadata | undefined {
  if (!json || typeof json.name !== 'string') return undefined
  const deps = Array.isArray(json.dependencies) ? (json.dependencies as {name?: unknown; version_requirement?: unknown}[]) : []
  return {
    name: forgeName(json.name),
    version: String(json.version ?? ''),
    dependencies: deps.filter((d) => typeof d.name === 'string').map((d) => ({name: forgeName(String(d.name)), ...(typeof d.version_requirement === 'string' ? {range: d.version_requirement} : {})})),
  }
}

const readJson = (file: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** Resolves the dependencies of a suite's modules (paths relative to `root`). */
export function resolvePuppetDeps(root: string, p: DepsInputs): PuppetDeps {
  const out: PuppetDeps = {sources: [], files: [], problems: [], skipped: [], unknownSkips: [], debianOutOfRange: {}}
  const skips = (p.skip ?? []).map((written) => ({written, name: forgeName(written)}))
  const used = new Set<string>()
  /** Whether `skip` names the module; a name without author names it from any author. */
  const skipped = (name: string): boolean => {
    const hit = skips.find((s) => s.name === name || (!s.name.includes('-') && s.name === moduleDir(name)))
    if (hit) {
      used.add(hit.written)
      if (!out.skipped.includes(name)) out.skipped.push(name)
    }
    return hit !== undefined
  }
  /** Modules already there: by full name, and by folder name for modules without metadata.json. */
  const have = new Set<string>()
  const needs: Need[] = []
  const addModule = (meta: Metadata, by: string) => {
    have.add(meta.name)
    for (const d of meta.dependencies) needs.push({...d, by: `${by} (${meta.name})`})
  }
  const rootMeta = path.join(root, 'metadata.json')
  if (existsSync(rootMeta)) {
    const meta = readMetadata(readJson(rootMeta))
    out.files.push('metadata.json')
    if (meta) {
      addModule(meta, 'metadata.json')
      out.sources.push({how: 'project', name: meta.name, by: 'metadata.json'})
    } else out.problems.push({message: 'metadata.json has no module name', file: 'metadata.json', line: 1})
  }
  for (const dir of (p.modulepath ?? []).filter((d) => !path.isAbsolute(d))) {
    const abs = path.join(root, dir)
    for (const mod of statSync(abs, {throwIfNoEntry: false})?.isDirectory() ? readdirSync(abs).sort() : []) {
      const metaFile = path.join(dir, mod, 'metadata.json')
      const meta = existsSync(path.join(root, metaFile)) ? readMetadata(readJson(path.join(root, metaFile))) : undefined
      have.add(mod)
      if (meta) {
        out.files.push(metaFile)
        addModule(meta, metaFile)
      }
    }
  }
  for (const file of p.tarballs ?? []) {
    const meta = readMetadata(tarballJson(path.join(root, file), 'metadata.json'))
    out.files.push(file)
    if (!meta) {
      out.problems.push({message: `${file} is not a Puppet module tarball: it has no metadata.json with a name in its top folder`, file, line: 0})
      continue
    }
    if (!have.has(meta.name)) out.sources.push({how: 'tarball', name: meta.name, file, by: file})
    addModule(meta, file)
  }
  if (p.puppetfile) {
    out.files.push(p.puppetfile)
    const pf = parsePuppetfile(readFileSync(path.join(root, p.puppetfile), 'utf8'))
    for (const pr of pf.problems) out.problems.push({message: `${p.puppetfile}:${pr.line}: ${pr.message}`, file: p.puppetfile, line: pr.line})
    for (const mod of pf.mods) {
      const by = `${p.puppetfile}:${mod.line}`
      if (mod.local) continue
      if (mod.git) {
        if (skipped(forgeName(mod.name))) continue
        const local = localRepo(root, mod.git.url)
        const url = local === undefined ? mod.git.url : `file://${PROJECT_DIR}/${local}`
        const commit = local === undefined ? undefined : gitCommit(path.join(root, local), mod.git.ref)
        out.sources.push({how: 'git', name: forgeName(mod.name), url, ...(mod.git.ref ? {ref: mod.git.ref} : {}), ...(commit ? {commit} : {}), by})
        have.add(forgeName(mod.name))
        have.add(moduleDir(mod.name))
        continue
      }
      if (!forgeName(mod.name).includes('-')) {
        out.problems.push({message: `${by}: mod '${mod.name}' names no author: Forge modules are written author/name (puppetlabs/stdlib)`, file: p.puppetfile, line: mod.line})
        continue
      }
      needs.push({name: forgeName(mod.name), ...(mod.version && mod.version !== 'latest' ? {range: mod.version} : {}), by})
    }
  }
  const debian = p.release ? DEBIAN[p.release] : undefined
  for (const need of needs) {
    if (have.has(need.name) || have.has(moduleDir(need.name)) || skipped(need.name)) continue
    have.add(need.name)
    const packaged = debian?.[need.name]
    const fits = packaged ? satisfies(packaged[1], need.range) !== false : false
    if (packaged && (fits || p.acceptDebian)) {
      out.sources.push({how: 'debian', name: need.name, package: packaged[0], version: packaged[1], by: need.by, ...(fits ? {} : {outside: need.range})})
    } else {
      out.sources.push({how: 'forge', name: need.name, ...(need.range ? {range: need.range} : {}), by: need.by})
      if (packaged) out.debianOutOfRange[need.name] = packaged
    }
  }
  out.unknownSkips = skips.filter((s) => !used.has(s.written)).map((s) => s.written)
  return out
}

/** A git URL or path that is a repository in the project, as a project path. */
function localRepo(root: string, url: string): string | undefined {
  const bare = url.replace(/^file:\/\//, '')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bare) || /^[^/]+@[^:]+:/.test(bare)) return undefined
  const rel = path.relative(root, path.resolve(root, bare))
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : rel
}
