/**
 * Ansible's own module routing, as Debian ships it, decided on the host before anything runs: the
 * modules ansible-core has, where its routing table (ansible_builtin_runtime.yml) sends a short
 * name, and which collections Debian's full `ansible` package carries. The data is a snapshot per
 * Debian release (./routing/, written by scripts/ansible-routing.js from Debian's packages).
 */
import type {DebianRelease} from '../debian.js'
import {json as bookworm} from './routing/bookworm.js'
import {json as bullseye} from './routing/bullseye.js'
import {json as trixie} from './routing/trixie.js'

export {releaseOf, type DebianRelease} from '../debian.js'

/** The release whose snapshot decides for platforms that are not a Debian release Galley knows. */
export const DEFAULT_RELEASE: DebianRelease = 'bookworm'

const SNAPSHOTS: Record<DebianRelease, string> = {bullseye, bookworm, trixie}

/** What scripts/ansible-routing.js writes. */
interface RoutingSnapshot {
  release: DebianRelease
  source: Record<string, string>
  /** The Debian package with ansible-core (Debian 11: `ansible`, which carries ansible-base), and its version. */
  core: {package: string; version: string}
  builtin: string[]
  /** Short names routed to the same name in a collection, space-separated, by collection. */
  redirects: Record<string, string>
  /** Short names routed to another name. */
  renamed: Record<string, string>
  /** Short names the table marks removed (tombstones), space-separated. */
  removed: string
  /** The full package's collections: version and modules (space-separated). */
  collections: Record<string, {version: string; modules: string}>
}

/** One release's routing, ready to ask. */
export interface Routing {
  release: DebianRelease
  corePackage: string
  coreVersion: string
  builtin: ReadonlySet<string>
  /** Short name → the FQCN the routing table sends it to. */
  routes: ReadonlyMap<string, string>
  removed: ReadonlySet<string>
  /** Collections of Debian's full `ansible` package → their modules. */
  collections: ReadonlyMap<string, ReadonlySet<string>>
}

const loaded = new Map<DebianRelease, Routing>()

/** The routing of a Debian release (parsed once). */
export function routingOf(release: DebianRelease): Routing {
  const cached = loaded.get(release)
  if (cached) return cached
  const s = JSON.parse(SNAPSHOTS[release]) as RoutingSnapshot
  const words = (text: string) => (text ? text.split(' ') : [])
  const routes = new Map<string, string>(Object.entries(s.renamed))
  for (const [collection, names] of Object.entries(s.redirects)) for (const n of words(names)) routes.set(n, `${collection}.${n}`)
  const routing: Routing = {
    release,
    corePackage: s.core.package,
    coreVersion: s.core.version,
    builtin: new Set(s.builtin),
    routes,
    removed: new Set(words(s.removed)),
    collections: new Map(Object.entries(s.collections).map(([c, v]) => [c, new Set(words(v.modules))])),
  }
  loaded.set(release, routing)
  return routing
}

/** Where collections and modules come from besides Debian's packages. */
export interface Available {
  /** Collections the requirements install (by name). */
  requirements: ReadonlySet<string>
  /** Some requirement installs collections whose names cannot be known before it runs (a URL, a remote git repository). */
  unnamedSources: boolean
  /** Collections kept in the project beside a playbook, with their modules. */
  local: Readonly<Record<string, readonly string[]>>
  /** Modules of library/ folders. */
  libraries: ReadonlySet<string>
}

export type Resolution =
  | {kind: 'builtin' | 'library'; name: string}
  /** `from`: Debian's full package, the requirements, or the project's own collections folder. */
  | {kind: 'collection'; fqcn: string; collection: string; from: 'ansible' | 'requirements' | 'local'}
  | {kind: 'removed'; name: string}
  /** `collection`: the collection it names (or is routed to), when there is one. */
  | {kind: 'unknown'; collection?: string}

const LEGACY = 'ansible.legacy.'
const BUILTIN = 'ansible.builtin.'

/** Where a task's module comes from, as ansible-core would resolve it, given the play's or role's `collections:` list. */
export function resolveModule(module: string, searchList: readonly string[], routing: Routing, available: Available): Resolution {
  if (module.startsWith(BUILTIN)) return resolveShort(module.slice(BUILTIN.length), [], routing, {...available, libraries: new Set()})
  if (module.startsWith(LEGACY)) return resolveShort(module.slice(LEGACY.length), [], routing, available)
  const parts = module.split('.')
  if (parts.length >= 3) return resolveFqcn(parts.slice(0, 2).join('.'), parts.slice(2).join('.'), routing, available)
  if (parts.length === 2) return {kind: 'unknown'}
  return resolveShort(module, searchList, routing, available)
}

function resolveFqcn(collection: string, name: string, routing: Routing, available: Available): Resolution {
  if (collection === 'ansible.builtin') return resolveShort(name, [], routing, {...available, libraries: new Set()})
  const fqcn = `${collection}.${name}`
  const local = available.local[collection]
  if (local) return local.includes(name) ? {kind: 'collection', fqcn, collection, from: 'local'} : {kind: 'unknown', collection}
  if (available.requirements.has(collection)) return {kind: 'collection', fqcn, collection, from: 'requirements'}
  const shipped = routing.collections.get(collection)
  if (shipped) return shipped.has(name) ? {kind: 'collection', fqcn, collection, from: 'ansible'} : {kind: 'unknown', collection}
  if (available.unnamedSources) return {kind: 'collection', fqcn, collection, from: 'requirements'}
  return {kind: 'unknown', collection}
}

function resolveShort(name: string, searchList: readonly string[], routing: Routing, available: Available): Resolution {
  for (const collection of searchList) {
    if (collection === 'ansible.builtin' || collection === 'ansible.legacy') continue
    const r = resolveFqcn(collection, name, routing, available)
    // A collection installed by the requirements may hold it; one whose modules are known is asked.
    if (r.kind === 'collection' && (r.from !== 'requirements' || (!routing.builtin.has(name) && !routing.routes.has(name)))) return r
  }
  if (available.libraries.has(name)) return {kind: 'library', name}
  if (routing.builtin.has(name)) return {kind: 'builtin', name}
  const routed = routing.routes.get(name)
  if (routed) {
    const parts = routed.split('.')
    return resolveFqcn(parts.slice(0, 2).join('.'), parts.slice(2).join('.'), routing, available)
  }
  if (routing.removed.has(name)) return {kind: 'removed', name}
  return {kind: 'unknown'}
}
