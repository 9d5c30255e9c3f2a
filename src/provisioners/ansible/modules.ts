/**
 * What a suite's playbooks need from Ansible, decided before anything runs: ansible-core alone, or
 * Debian's full `ansible` package because a task names (in full, or by a short name Ansible routes
 * there) a module only a collection of that package has; and the modules, roles and files that
 * cannot be had at all, each with the task's file and line.
 */
import {closest} from '../../config/schema.js'
import type {PlaybookGraph, Reference, TaskRef} from './graph.js'
import type {Requirements} from './requirements.js'
import {DEFAULT_RELEASE, resolveModule, routingOf, type Available, type DebianRelease, type Resolution, type Routing} from './routing.js'

export type Flavour = 'core' | 'full'

export interface ModuleProblem {
  message: string
  file: string
  line: number
  hint?: string
}

export interface ModulePlan {
  /** What the playbooks need; the settings may still choose otherwise. */
  needs: Flavour
  /** Why the full package: the first task (or role) that needs it. */
  because?: string
  /** A collection of the full package the playbooks use. */
  collection?: string
  problems: ModuleProblem[]
}

const RELEASES: DebianRelease[] = ['bullseye', 'bookworm', 'trixie']

/** What else may provide roles, modules and collections: folders ansible.cfg or the env name, and what cannot be read. */
export interface ModuleContext {
  libraries?: string[]
  collections?: Record<string, string[]>
  /** A folder of that kind cannot be read (inside the image): what is not found there is not reported. */
  unsure?: {roles?: boolean; library?: boolean; collections?: boolean}
}

/** What the requirements and the project's own folders provide. */
export function availableFrom(graph: PlaybookGraph, reqs: Requirements, context: ModuleContext = {}): Available {
  return {
    requirements: new Set(reqs.collections.map((c) => c.fqcn).filter((n): n is string => n !== undefined)),
    unnamedSources: reqs.collections.some((c) => c.fqcn === undefined),
    local: {...(context.collections ?? {}), ...graph.localCollections},
    libraries: new Set([...graph.libraries, ...(context.libraries ?? [])]),
  }
}

const where = (r: {file: string; line: number}) => (r.line ? `${r.file}:${r.line}` : r.file)

/**
 * Decides ansible-core or the full package for `release` (undefined: a platform that is not a
 * Debian release Galley knows, judged by Debian 12's routing, and a module is unknown only when no
 * release knows it), and lists what cannot be had.
 */
export function planModules(graph: PlaybookGraph, reqs: Requirements, release: DebianRelease | undefined, context: ModuleContext = {}): ModulePlan {
  const routing = routingOf(release ?? DEFAULT_RELEASE)
  const available = availableFrom(graph, reqs, context)
  const unsure = context.unsure ?? {}
  // What cannot be seen may hold it: a short name (a library folder), a whole collection (a collections folder or the image).
  const excused = (r: Resolution) => (r.kind === 'unknown' && r.collection ? unsure.collections && !routing.collections.has(r.collection) : unsure.library)
  const others = release ? [] : RELEASES.filter((r) => r !== DEFAULT_RELEASE).map(routingOf)
  const plan: ModulePlan = {needs: 'core', problems: []}
  const needFull = (why: string, collection?: string) => {
    if (plan.needs === 'core') Object.assign(plan, {needs: 'full', because: why, ...(collection ? {collection} : {})})
  }
  for (const task of graph.tasks) {
    const r = resolveModule(task.module, task.collections, routing, available)
    if (r.kind === 'collection' && r.from === 'ansible') needFull(`${task.module} (${where(task)}) is in ${r.collection}`, r.collection)
    if ((r.kind === 'unknown' || r.kind === 'removed') && task.reach !== 'guess') {
      if (excused(r) || others.some((o) => resolveModule(task.module, task.collections, o, available).kind !== 'unknown')) continue
      // A file Ansible reads only when a `when:` holds may use a collection this image lacks (a
      // RedHat-only include on Debian); a name no collection could hold fails wherever it is read.
      if (task.conditional && r.kind === 'unknown' && r.collection && !routing.collections.has(r.collection)) continue
      plan.problems.push(moduleProblem(task, r, routing))
    }
  }
  const requirementRoles = new Set(reqs.roles.map((r) => r.label))
  for (const ref of graph.collectionRefs) {
    const collection = ref.name.split('.').length === 3 ? ref.name.split('.').slice(0, 2).join('.') : undefined
    const candidates = collection ? [collection] : (ref.collections ?? [])
    if (candidates.some((c) => routing.collections.has(c) && !available.requirements.has(c) && !(c in available.local))) needFull(`role ${ref.name} (${where(ref)}) is in ${candidates.join(' or ')}`)
    const known = available.unnamedSources || candidates.some((c) => routing.collections.has(c) || available.requirements.has(c) || c in available.local)
    if (!known && !unsure.collections && ref.reach === 'static' && !requirementRoles.has(ref.name)) plan.problems.push(missingProblem(ref, collection))
  }
  for (const ref of graph.missing) {
    if (ref.kind === 'role' && requirementRoles.has(ref.name)) {
      // Installed by ansible-galaxy: its tasks cannot be read before, so the full package is the safe choice.
      needFull(`role ${ref.name} (${where(ref)}) comes from the requirements and cannot be read before it is installed`)
      continue
    }
    if (ref.reach === 'static' && !(ref.kind === 'role' && unsure.roles)) plan.problems.push(missingProblem(ref))
  }
  for (const e of graph.errors) plan.problems.push({message: `${where(e)}: ${e.message}`, file: e.file, line: e.line})
  return plan
}

function moduleProblem(task: TaskRef, r: Exclude<Resolution, {kind: 'builtin' | 'library' | 'collection'}>, routing: Routing): ModuleProblem {
  const at = {file: task.file, line: task.line}
  if (r.kind === 'removed') {
    return {...at, message: `${where(task)}: module \`${task.module}\` was removed from Ansible (its routing table marks it removed)`, hint: "Use the module that replaced it (see the module's page in Ansible's documentation)."}
  }
  if (r.collection) {
    const shipped = routing.collections.has(r.collection)
    return {
      ...at,
      message: `${where(task)}: unknown module \`${task.module}\`: ${shipped ? `collection ${r.collection} has no such module` : `collection ${r.collection} is neither in Debian's ansible package nor in the requirements`}`,
      hint: shipped ? 'Check the module name.' : `Add ${r.collection} to a requirements file (collections:), or keep it under collections/ansible_collections/ beside the playbook.`,
    }
  }
  const guess = closest(task.module, [...routing.builtin, ...routing.routes.keys()])
  return {
    ...at,
    message: `${where(task)}: unknown module \`${task.module}\`${guess ? ` — did you mean \`${guess}\`?` : ''}`,
    hint: "It is not an ansible-core module, Ansible's routing table sends it to no collection, and no library/ folder has it: write the collection's name (namespace.collection.module) and list the collection in requirements.yml.",
  }
}

function missingProblem(ref: Reference, collection?: string): ModuleProblem {
  const at = {file: ref.file, line: ref.line}
  if (ref.kind === 'role' && collection) {
    return {...at, message: `${where(ref)}: role \`${ref.name}\` is in collection ${collection}, which is neither in Debian's ansible package nor in the requirements`, hint: `Add ${collection} to a requirements file (collections:).`}
  }
  if (ref.kind === 'role') {
    return {...at, message: `${where(ref)}: role \`${ref.name}\` not found (looked in the playbook's roles/ folder, roles_path and the playbook's folder)`, hint: 'Set roles_path to the folder holding it, or list it in requirements.yml (roles:).'}
  }
  return {...at, message: `${where(ref)}: ${ref.kind === 'vars' ? 'vars file' : ref.kind === 'playbook' ? 'playbook' : 'task file'} \`${ref.name}\` not found`}
}
