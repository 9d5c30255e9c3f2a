/**
 * ansible-galaxy requirement files, read before anything runs: each role and collection they name,
 * where it comes from (Galaxy, a git repository, a tarball, a folder, a URL), its name when that can
 * be known (a local tarball's MANIFEST.json, a folder's galaxy.yml), and the entry rewritten for the
 * instance, which sees the project at /tmp/galley: a local source is named by its path there.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'
import {PROJECT_DIR} from '../../model.js'
import {gitCommit, gitDir} from '../git-refs.js'
import {tarballJson} from '../tarball.js'
import {asMap, asSeq, plain, readYaml, textOf, valueOf, type YamlFile} from './yaml-nodes.js'

/** Where the source of a requirement is. */
export type SourceKind = 'galaxy' | 'git' | 'url' | 'file' | 'dir' | 'subdirs'

export interface Requirement {
  kind: 'role' | 'collection'
  /** As messages name it: the role's install name, or the collection's name (or source when unnamed). */
  label: string
  /** A collection's `namespace.name`, when it can be known before installing. */
  fqcn?: string
  source: SourceKind
  /** The project path of a local source (a git repository, a tarball, a folder). */
  local?: string
  /** The commit a local git source installs (its version, or HEAD), for the cache key. */
  commit?: string
  /** The entry as the instance's requirement file holds it. */
  entry: Record<string, unknown>
  file: string
  line: number
}

export interface RequirementProblem {
  message: string
  file: string
  line: number
  hint?: string
}

export interface Requirements {
  files: string[]
  roles: Requirement[]
  collections: Requirement[]
  problems: RequirementProblem[]
}

const DEFAULT_FILES = ['requirements.yml', 'roles/requirements.yml', 'collections/requirements.yml']
const FQCN = /^[a-z0-9_]+\.[a-z0-9_]+$/

/** The requirement files Galley reads when `requirements:` is not given: the usual names beside galley.yml and each playbook. */
export function defaultRequirementFiles(root: string, playbooks: string[]): string[] {
  const dirs = [...new Set(['.', ...playbooks.map((p) => path.dirname(p))])]
  const out = dirs.flatMap((d) => DEFAULT_FILES.map((f) => path.normalize(path.join(d, f))))
  return [...new Set(out)].filter((f) => statSync(path.join(root, f), {throwIfNoEntry: false})?.isFile())
}

type Place = {file: string; line: number}

class Reader {
  readonly out: Requirements = {files: [], roles: [], collections: [], problems: []}
  constructor(private readonly root: string) {}

  private problem(message: string, at: Place, hint?: string): void {
    this.out.problems.push({message, ...at, ...(hint ? {hint} : {})})
  }

  /**
   * A source written as a local path or file:// URL, as a project path; undefined when it is not
   * local. A path outside the project or missing is reported.
   */
  private localPath(written: string, at: Place, what: string): string | undefined | null {
    const bare = written.replace(/^file:\/\//, '')
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bare) || /^[^/]+@[^:]+:/.test(bare)) return undefined
    // Galaxy names have no slash; anything else with one is a path.
    const looksLocal = written.startsWith('file://') || bare.includes('/') || bare.startsWith('.') || existsSync(path.resolve(this.root, bare))
    if (!looksLocal) return undefined
    const abs = path.resolve(this.root, bare)
    const rel = path.relative(this.root, abs)
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      this.problem(`${what} \`${written}\` is outside the project folder`, at, 'An instance sees only the project folder (at /tmp/galley): put the repository or tarball inside it, or serve it by URL.')
      return null
    }
    if (!existsSync(abs)) {
      this.problem(`${what} \`${written}\` not found (looked for ${rel})`, at)
      return null
    }
    return rel || '.'
  }

  read(rel: string): void {
    this.out.files.push(rel)
    const doc = readYaml(path.join(this.root, rel))
    if (!doc) return this.problem(`cannot read ${rel}`, {file: rel, line: 0})
    if (doc.error) return this.problem(`${rel} is not valid YAML: ${doc.error.message}`, {file: rel, line: doc.error.line})
    const top = doc.resolve(doc.top)
    const map = asMap(top)
    const roles = map ? valueOf(map, 'roles') : top
    const collections = map ? valueOf(map, 'collections') : undefined
    if (!map && !asSeq(top) && top !== null) return this.problem(`${rel} is not a requirements file: it holds neither a list of roles nor roles: and collections:`, {file: rel, line: 1})
    for (const item of asSeq(roles)?.items ?? []) this.role(doc, doc.resolve(item), rel)
    for (const item of asSeq(collections)?.items ?? []) this.collection(doc, doc.resolve(item), rel)
  }

  private role(doc: YamlFile, node: unknown, file: string): void {
    const at = {file, line: doc.line(node)}
    const m = asMap(node)
    let src: string | undefined
    let version: string | undefined
    let name: string | undefined
    let scm: string | undefined
    if (m) {
      src = textOf(valueOf(m, 'src')) ?? textOf(valueOf(m, 'role'))
      name = textOf(valueOf(m, 'name'))
      version = textOf(valueOf(m, 'version'))
      scm = textOf(valueOf(m, 'scm'))
      if (!src && name) [src, name] = [name, undefined]
    } else {
      // "src[,version[,name]]"
      const parts = (textOf(node) ?? '').split(',').map((s) => s.trim())
      ;[src, version, name] = [parts[0] || undefined, parts[1] || undefined, parts[2] || undefined]
    }
    if (!src) return this.problem('a role requirement without src or name', at)
    if (src.startsWith('git+')) [scm, src] = ['git', src.slice(4)]
    const installName = name ?? (src.includes('/') ? src.replace(/\/+$/, '').split('/').at(-1)!.replace(/\.git$|\.tar\.gz$|\.tgz$/, '') : src)
    const local = this.localPath(src, at, `role ${installName}'s source`)
    if (local === null) return
    const inInstance = local !== undefined ? `file://${PROJECT_DIR}/${local}` : src
    const source: SourceKind = scm ? 'git' : local !== undefined ? 'file' : src.includes('://') ? 'url' : 'galaxy'
    if (source === 'file' && statSync(path.join(this.root, local!)).isDirectory()) {
      return this.problem(`role ${installName}'s source \`${src}\` is a folder: ansible-galaxy installs roles from Galaxy, git repositories and tarballs only`, at, 'Put the folder on roles_path instead, or make it a git repository (git+file://...) or a .tar.gz.')
    }
    const commit = source === 'git' && local !== undefined ? gitCommit(path.join(this.root, local), version) : undefined
    if (source === 'git' && local !== undefined && !gitDir(path.join(this.root, local))) return this.problem(`role ${installName}'s source \`${src}\` is not a git repository`, at)
    const entry: Record<string, unknown> = {name: installName, src: inInstance, ...(scm ? {scm} : {}), ...(version ? {version} : {})}
    this.out.roles.push({kind: 'role', label: installName, source, ...(local !== undefined ? {local} : {}), ...(commit ? {commit} : {}), entry, ...at})
  }

  private collection(doc: YamlFile, node: unknown, file: string): void {
    const at = {file, line: doc.line(node)}
    const m = asMap(node)
    const written = m ? (plain(node) as Record<string, unknown>) : {}
    let name = m ? textOf(valueOf(m, 'name')) : textOf(node)
    let version = m ? textOf(valueOf(m, 'version')) : undefined
    const sourceText = m ? textOf(valueOf(m, 'source')) : undefined
    let type = m ? textOf(valueOf(m, 'type')) : undefined
    if (!name) return this.problem('a collection requirement without a name', at)
    if (!m && name.includes(',') && /^git\+|\.git\b/.test(name)) [name, version] = name.split(',', 2).map((s) => s.trim())
    const gitLike = /^git\+/.test(name) || /\.git(#|$)/.test(name)
    type ??= gitLike ? 'git' : /^https?:\/\//.test(name) ? 'url' : FQCN.test(name) && !sourceText ? 'galaxy' : undefined
    const rest: Record<string, unknown> = Object.fromEntries(Object.entries(written).filter(([k]) => !['name', 'type', 'source', 'version'].includes(k)))
    const push = (r: Omit<Requirement, 'kind' | 'file' | 'line'>): void => void this.out.collections.push({kind: 'collection', ...r, ...at})
    if (type === 'galaxy' || (type === undefined && FQCN.test(name))) {
      return push({label: name, fqcn: name, source: 'galaxy', entry: {...written, name}})
    }
    if (type === 'git') {
      const [url, sub] = name.replace(/^git\+/, '').split('#')
      const local = this.localPath(url, at, 'collection source')
      if (local === null) return
      const where = local !== undefined ? path.join(this.root, local, sub ?? '') : undefined
      const fqcn = where ? collectionName(where) : undefined
      const commit = local !== undefined ? gitCommit(path.join(this.root, local), version) : undefined
      const inInstance = `git+${local !== undefined ? `file://${PROJECT_DIR}/${local}` : url}${sub ? `#${sub}` : ''}`
      return push({label: fqcn ?? name, ...(fqcn ? {fqcn} : {}), source: 'git', ...(local !== undefined ? {local} : {}), ...(commit ? {commit} : {}), entry: {...rest, name: inInstance, type: 'git', ...(version ? {version} : {})}})
    }
    if (type === 'url') return push({label: name, source: 'url', entry: {...written, name, type: 'url'}})
    // file, dir, subdirs, or a path whose type ansible-galaxy infers.
    const pathText = sourceText && FQCN.test(name) ? sourceText : name
    const local = this.localPath(pathText, at, 'collection source')
    if (local === null) return
    if (local === undefined) return this.problem(`collection \`${name}\` is neither a collection name, a URL, nor a path in the project`, at)
    const abs = path.join(this.root, local)
    const kind: SourceKind = (type as SourceKind | undefined) ?? (statSync(abs).isDirectory() ? (collectionName(abs) ? 'dir' : 'subdirs') : 'file')
    const fqcn = kind === 'file' ? tarballName(abs) ?? (FQCN.test(name) ? name : undefined) : kind === 'dir' ? collectionName(abs) : undefined
    push({label: fqcn ?? pathText, ...(fqcn ? {fqcn} : {}), source: kind, local, entry: {...rest, name: `${PROJECT_DIR}/${local}`, type: kind, ...(version ? {version} : {})}})
  }
}

/** A collection folder's name, from galaxy.yml (a source tree) or MANIFEST.json (a built collection). */
function collectionName(dir: string): string | undefined {
  try {
    const galaxy = path.join(dir, 'galaxy.yml')
    if (existsSync(galaxy)) {
      const g = parse(readFileSync(galaxy, 'utf8')) as {namespace?: string; name?: string}
      return g.namespace && g.name ? `${g.namespace}.${g.name}` : undefined
    }
    const manifest = path.join(dir, 'MANIFEST.json')
    if (existsSync(manifest)) return nameOfManifest(JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>)
  } catch {
    return undefined
  }
  return undefined
}

function nameOfManifest(manifest: Record<string, unknown> | undefined): string | undefined {
  const info = manifest?.collection_info as {namespace?: string; name?: string} | undefined
  return info?.namespace && info.name ? `${info.namespace}.${info.name}` : undefined
}

/** A collection tarball's name, from its MANIFEST.json. */
const tarballName = (file: string): string | undefined => nameOfManifest(tarballJson(file, 'MANIFEST.json'))

/** Reads requirement files (relative to the project folder). */
export function readRequirements(root: string, files: string[]): Requirements {
  const reader = new Reader(root)
  for (const f of files) reader.read(f)
  return reader.out
}
