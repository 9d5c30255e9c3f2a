/**
 * What a playbook reaches, read as Ansible reads it and without running anything: imported
 * playbooks, plays' roles (found as Ansible finds them: the playbook's roles/ folder, the roles
 * path, a role's own folder for its meta dependencies, the playbook's folder), include_role and
 * import_role, include_tasks and import_tasks with static names, handlers, pre and post tasks,
 * blocks. It gives back every task with its module key, file and line, and every project file the
 * playbook reads (task files, role folders, vars, plugins beside it), for module checks and cache
 * keys. Symbolic links are followed once: a `roles/<name> -> ..` link does not loop.
 */
import {existsSync, readdirSync, realpathSync, statSync} from 'node:fs'
import path from 'node:path'
import {isSeq, type YAMLMap} from 'yaml'
import {firstFoundNames, folderOf, namePattern} from './first-found.js'
import {collectionsIn, isDir, isFile} from './local-files.js'
import {BLOCK_SECTIONS, isTemplated, moduleKey, ROLE_INCLUDES, shortName, TASK_INCLUDES} from './task-keys.js'
import {asMap, keysOf, plain, readYaml, textList, textOf, valueOf, type YamlFile} from './yaml-nodes.js'

/**
 * How surely a file runs: `static` (the play, its roles, import_*: Ansible reads it before the play
 * starts), `include` (include_* with a static name: read when reached), `guess` (a file matching a
 * templated name, `{{ ansible_os_family }}.yml`, that may or may not be the one chosen).
 */
export type Reach = 'static' | 'include' | 'guess'

export interface TaskRef {
  /** The module key as written: `copy`, `ansible.builtin.copy`, `community.general.timezone`. */
  module: string
  /** Relative to the project folder when inside it. */
  file: string
  line: number
  /** The `collections:` search list in force (the play's, or the role's meta). */
  collections: string[]
  reach: Reach
  /** The role the task belongs to. */
  role?: string
  /** Its `name:` as written. */
  name?: string
  /** A task that runs only when something else happens: a handler when notified, a block's rescue when the block fails. */
  trigger?: 'notify' | 'rescue'
  /** Its file is read only when a `when:` holds (an include_tasks or include_role under one): on other hosts Ansible never reads it. */
  conditional?: true
}

/** A playbook, role or file named somewhere, for what could not be followed. */
export interface Reference {
  kind: 'playbook' | 'role' | 'tasks' | 'vars' | 'module'
  name: string
  file: string
  line: number
  reach: Reach
  /** The `collections:` search list in force where it is named (a role may come from one of them). */
  collections?: string[]
}

export interface PlaybookGraph {
  tasks: TaskRef[]
  /** Every project file the playbooks read, relative to the project folder, sorted. */
  files: string[]
  /** Roles found, by the name they were asked for, with their folder (relative when inside the project). */
  roles: {name: string; folder: string}[]
  /** Roles and playbooks of collections (`ns.coll.role`): not walked. */
  collectionRefs: Reference[]
  /** Names decided only when the play runs (templated). */
  dynamic: Reference[]
  /** Roles and files that were not found. */
  missing: Reference[]
  /** Module names of library/ folders beside the playbooks and in roles. */
  libraries: string[]
  /** Collections kept beside a playbook (collections/ansible_collections/<ns>/<name>), with their modules. */
  localCollections: Record<string, string[]>
  /** Files that are not valid YAML. */
  errors: {file: string; line: number; message: string}[]
}

export interface WalkOptions {
  /** Role folders searched after the playbook's roles/ folder (ANSIBLE_ROLES_PATH): relative to the project, or absolute. */
  rolesPaths?: string[]
  /** Roles known by another name than their folder's (a role under test by its meta role_name): name → folder. */
  roleAliases?: Record<string, string>
}

const STRENGTH: Record<Reach, number> = {guess: 0, include: 1, static: 2}
const weaker = (a: Reach, b: Reach): Reach => (STRENGTH[a] <= STRENGTH[b] ? a : b)

/** Folders of a role (and beside a playbook) that Ansible reads. */
const ROLE_PARTS = ['tasks', 'handlers', 'templates', 'files', 'vars', 'defaults', 'meta', 'library', 'module_utils']
const PLAYBOOK_PARTS = ['group_vars', 'host_vars', 'library', 'module_utils', 'templates', 'files', 'vars', 'collections']
const isPluginFolder = (name: string) => name.endsWith('_plugins')
const YAML_NAMES = (base: string) => [base, `${base}.yml`, `${base}.yaml`]
const COLLECTION_ROLE = /^[a-z0-9_]+\.[a-z0-9_]+\.[A-Za-z0-9_]+$/

interface Context {
  playbookDir: string
  collections: string[]
  reach: Reach
  /**
   * Under a `when:` (the task's, a block's, or an import's or role entry's, which its tasks
   * inherit): what the tasks do at run time may be skipped, so a vars file they would load may be
   * missing. What Ansible loads before the play (imports, roles, meta dependencies) must exist still.
   */
  guarded?: boolean
  /** The file itself is read only when a `when:` holds: reached through include_tasks or include_role under one. */
  loadGuarded?: boolean
  role?: {name: string; dir: string}
  trigger?: TaskRef['trigger']
}

/** `ctx` for what a task, block or role entry with `when:` holds. */
const guardedBy = (m: YAMLMap, ctx: Context): Context => (ctx.guarded || !keysOf(m).includes('when') ? ctx : {...ctx, guarded: true})

type How = Pick<Context, 'reach' | 'guarded' | 'loadGuarded'>

/** How surely a file's tasks run, to walk it again when reached more surely: by reach, then unguarded, then read unconditionally. */
const strength = (ctx: How): number => STRENGTH[ctx.reach] * 3 + (ctx.guarded ? 0 : 1) + (ctx.loadGuarded ? 0 : 1)

/** `ctx` for a file an include of `reach` reads: read only when a `when:` holds if the include is not an import and may be skipped. */
const loadedBy = (ctx: Context, reach: Reach): Context => (reach === 'static' || !ctx.guarded || ctx.loadGuarded ? ctx : {...ctx, loadGuarded: true})

class Walker {
  private readonly root: string
  private readonly realRoot: string
  private readonly fileReach = new Map<string, number>()
  private readonly fileTasks = new Map<string, TaskRef[]>()
  private readonly roleReach = new Map<string, number>()
  private readonly roleNames = new Map<string, string>()
  private readonly fileSet = new Set<string>()
  private readonly listed = new Set<string>()
  private readonly libs = new Set<string>()
  readonly out: Omit<PlaybookGraph, 'tasks' | 'files' | 'roles' | 'libraries'> = {collectionRefs: [], dynamic: [], missing: [], localCollections: {}, errors: []}

  constructor(
    root: string,
    private readonly options: WalkOptions,
  ) {
    this.root = path.resolve(root)
    this.realRoot = realpathSync(this.root)
  }

  /** A path as reports show it: relative to the project folder when inside it. */
  shown(abs: string): string {
    const rel = path.relative(this.realRoot, abs)
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel
  }

  /** Records a project file (by its real path, so a linked folder counts once). */
  private addFile(abs: string): void {
    let real: string
    try {
      real = realpathSync(abs)
    } catch {
      return
    }
    const rel = path.relative(this.realRoot, real)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) this.fileSet.add(rel)
  }

  /** Every file under a folder; each real folder is listed once, so link loops end. */
  private addFolder(abs: string, onFile?: (file: string) => void): void {
    let real: string
    try {
      real = realpathSync(abs)
    } catch {
      return
    }
    if (this.listed.has(real)) return
    this.listed.add(real)
    for (const e of readdirSync(real, {withFileTypes: true})) {
      const child = path.join(real, e.name)
      const st = statSync(child, {throwIfNoEntry: false})
      if (st?.isDirectory()) this.addFolder(child, onFile)
      else if (st?.isFile()) {
        this.addFile(child)
        onFile?.(child)
      }
    }
  }

  private addParts(dir: string, parts: string[]): void {
    if (!isDir(dir)) return
    for (const name of readdirSync(dir)) {
      if (!parts.includes(name) && !isPluginFolder(name)) continue
      const abs = path.join(dir, name)
      if (name === 'library') this.addFolder(abs, (f) => this.libs.add(path.basename(f).replace(/\.[^.]+$/, '')))
      else if (name === 'collections') this.addCollections(abs)
      else this.addFolder(abs)
    }
  }

  private addCollections(dir: string): void {
    this.addFolder(dir)
    Object.assign(this.out.localCollections, collectionsIn(dir))
  }

  /** Whether `key` (a file or role) must be (re)walked now that it is reached as `ctx` says. */
  private claim(seen: Map<string, number>, key: string, ctx: How): boolean {
    const before = seen.get(key)
    if (before !== undefined && before >= strength(ctx)) return false
    seen.set(key, strength(ctx))
    return true
  }

  private parse(abs: string, reach: Reach): YamlFile | undefined {
    const file = readYaml(abs)
    if (file?.error && reach !== 'guess') this.out.errors.push({file: this.shown(abs), line: file.error.line, message: file.error.message})
    return file?.error ? undefined : file
  }

  playbook(asked: string, reach: Reach, from?: Reference): void {
    if (!isFile(asked)) return void this.out.missing.push(from ?? {kind: 'playbook', name: this.shown(asked), file: this.shown(asked), line: 0, reach})
    const abs = realpathSync(asked)
    if (!this.claim(this.fileReach, abs, {reach})) return
    this.addFile(abs)
    const dir = path.dirname(abs)
    this.addParts(dir, PLAYBOOK_PARTS)
    const doc = this.parse(abs, reach)
    for (const item of isSeq(doc?.top) ? doc!.top.items : []) {
      const play = asMap(doc!.resolve(item))
      if (play && doc) this.play(play, doc, abs, reach)
    }
  }

  private play(play: YAMLMap, doc: YamlFile, file: string, reach: Reach): void {
    const dir = path.dirname(file)
    const keys = keysOf(play)
    const imported = keys.find((k) => shortName(k) === 'import_playbook' || k === 'include')
    if (imported) {
      const name = fileArg(textOf(valueOf(play, imported)))
      const ref: Reference = {kind: 'playbook', name: name ?? '', file: this.shown(file), line: doc.line(play), reach}
      if (!name || isTemplated(name)) this.out.dynamic.push(ref)
      else if (COLLECTION_ROLE.test(name) && !isFile(path.resolve(dir, name))) this.out.collectionRefs.push(ref)
      else this.playbook(path.resolve(dir, name), reach, ref)
      return
    }
    const ctx: Context = {playbookDir: dir, collections: textList(valueOf(play, 'collections')), reach}
    for (const vars of textList(valueOf(play, 'vars_files'))) this.varsFile(vars, file, ctx, doc.line(play))
    for (const section of ['pre_tasks', 'tasks', 'post_tasks', 'handlers']) this.taskList(valueOf(play, section), doc, file, section === 'handlers' ? {...ctx, trigger: 'notify'} : ctx)
    for (const entry of isSeq(valueOf(play, 'roles')) ? (valueOf(play, 'roles') as {items: unknown[]}).items : []) {
      const node = doc.resolve(entry)
      const m = asMap(node)
      const name = m ? textOf(valueOf(m, 'role')) ?? textOf(valueOf(m, 'name')) : textOf(node)
      this.roleRef(name, {}, m ? guardedBy(m, ctx) : ctx, {file, line: doc.line(node)}, reach)
    }
  }

  private taskList(node: unknown, doc: YamlFile, file: string, ctx: Context): void {
    for (const item of isSeq(node) ? node.items : []) {
      const task = asMap(doc.resolve(item))
      if (!task) continue
      const keys = keysOf(task)
      if (BLOCK_SECTIONS.some((s) => keys.includes(s))) {
        const collections = textList(valueOf(task, 'collections'))
        const inner = guardedBy(task, collections.length ? {...ctx, collections} : ctx)
        for (const s of BLOCK_SECTIONS) this.taskList(valueOf(task, s), doc, file, s === 'rescue' && !inner.trigger ? {...inner, trigger: 'rescue'} : inner)
      } else this.task(task, keys, doc, file, ctx)
    }
  }

  private task(task: YAMLMap, keys: string[], doc: YamlFile, file: string, ctx: Context): void {
    const line = doc.line(task)
    const module = moduleKey(keys, (k) => plain(valueOf(task, k)))
    if (!module) return void this.out.errors.push({file: this.shown(file), line, message: 'no module or action in this task'})
    if (isTemplated(module)) return void this.out.dynamic.push({kind: 'module', name: module, file: this.shown(file), line, reach: ctx.reach})
    const tasks = this.fileTasks.get(file) ?? []
    const name = textOf(valueOf(task, 'name'))
    tasks.push({
      module,
      file: this.shown(file),
      line,
      collections: ctx.collections,
      reach: ctx.reach,
      ...(ctx.role ? {role: ctx.role.name} : {}),
      ...(name !== undefined ? {name} : {}),
      ...(ctx.trigger ? {trigger: ctx.trigger} : {}),
      ...(ctx.loadGuarded ? {conditional: true as const} : {}),
    })
    this.fileTasks.set(file, tasks)
    const short = shortName(module)
    const args = keys.includes(module) ? valueOf(task, module) : undefined
    const argMap = asMap(args)
    const at = {file, line}
    const inner = guardedBy(task, ctx)
    const tried = firstFoundNames(task)
    if (tried?.length) return this.firstFound(tried, short, at, inner)
    if (TASK_INCLUDES.has(short)) {
      const name = fileArg(textOf(args)) ?? (argMap ? textOf(valueOf(argMap, 'file')) ?? textOf(valueOf(argMap, '_raw_params')) : undefined)
      this.tasksRef(name, inner, at, short === 'import_tasks' ? ctx.reach : weaker(ctx.reach, 'include'))
    } else if (ROLE_INCLUDES.has(short) && argMap) {
      const from = (k: string) => textOf(valueOf(argMap, k))
      const opts = {tasks: from('tasks_from'), handlers: from('handlers_from'), vars: from('vars_from'), defaults: from('defaults_from')}
      this.roleRef(from('name') ?? from('role'), opts, inner, at, short === 'import_role' ? ctx.reach : weaker(ctx.reach, 'include'))
    } else if (short === 'include_vars') {
      const name = fileArg(textOf(args)) ?? (argMap ? textOf(valueOf(argMap, 'file')) ?? textOf(valueOf(argMap, '_raw_params')) : undefined)
      if (name) this.varsFile(name, file, inner, line)
    }
  }

  /** Where a relative task or vars file is looked for, in Ansible's order. */
  private candidates(name: string, from: string, ctx: Context, sub: string): string[] {
    if (path.isAbsolute(name)) return [name]
    const dirs = [path.dirname(from), ...(ctx.role ? [path.join(ctx.role.dir, sub), ctx.role.dir] : []), path.join(ctx.playbookDir, sub), ctx.playbookDir]
    return dirs.map((d) => path.resolve(d, name))
  }

  private tasksRef(name: string | undefined, ctx: Context, at: {file: string; line: number}, reach: Reach): void {
    const ref: Reference = {kind: 'tasks', name: name ?? '', file: this.shown(at.file), line: at.line, reach}
    if (!name) return void this.out.dynamic.push(ref)
    if (isTemplated(name)) {
      this.out.dynamic.push(ref)
      // `setup-{{ ansible_os_family }}.yml`: each file the pattern could name is read, as a guess.
      for (const f of this.matching(name, at.file, ctx, ['tasks'])) if (/\.ya?ml$/.test(f)) this.taskFile(f, {...loadedBy(ctx, 'include'), reach: 'guess'})
      return
    }
    const found = this.candidates(name, at.file, ctx, 'tasks').find(isFile)
    if (found) this.taskFile(found, {...loadedBy(ctx, reach), reach})
    else this.out.missing.push(ref)
  }

  /** The files a templated name may be, or the one a plain name is, searched as Ansible searches `subs`. */
  private matching(name: string, from: string, ctx: Context, subs: string[]): string[] {
    if (!isTemplated(name)) return subs.map((sub) => this.candidates(name, from, ctx, sub).find((f) => existsSync(f))).filter((f): f is string => f !== undefined)
    const pattern = namePattern(name)
    const dirs = new Set(subs.flatMap((sub) => this.candidates(folderOf(name), from, ctx, sub)))
    return [...dirs].filter((d) => !isTemplated(d) && isDir(d)).flatMap((d) => readdirSync(d).sort().filter((f) => pattern.test(f)).map((f) => path.join(d, f)))
  }

  /**
   * The files a `first_found` lookup tries: task files are read as guesses, others recorded for the
   * cache key; none is missing. Its search folder is `vars/` for include_vars, `templates/` for
   * template, `files/` otherwise (and `tasks/` for a task include).
   */
  private firstFound(names: string[], short: string, at: {file: string; line: number}, ctx: Context): void {
    const includes = TASK_INCLUDES.has(short)
    if (includes) this.out.dynamic.push({kind: 'tasks', name: names.join(', '), file: this.shown(at.file), line: at.line, reach: ctx.reach})
    const subs = short === 'include_vars' ? ['vars'] : short === 'template' ? ['templates'] : includes ? ['tasks', 'files'] : ['files']
    for (const f of new Set(names.flatMap((n) => this.matching(n, at.file, ctx, subs)))) {
      if (includes && isFile(f)) this.taskFile(f, {...loadedBy(ctx, 'include'), reach: 'guess'})
      else if (isDir(f)) this.addFolder(f)
      else this.addFile(f)
    }
  }

  private varsFile(name: string, from: string, ctx: Context, line: number): void {
    if (isTemplated(name)) return
    const found = this.candidates(name, from, ctx, 'vars').find((f) => existsSync(f))
    if (found && isDir(found)) this.addFolder(found)
    else if (found) this.addFile(found)
    else if (ctx.reach === 'static' && !ctx.guarded) this.out.missing.push({kind: 'vars', name, file: this.shown(from), line, reach: ctx.reach})
  }

  private taskFile(asked: string, ctx: Context): void {
    const abs = realpathSync(asked)
    if (!this.claim(this.fileReach, abs, ctx)) return
    // Reached again more surely: its tasks are read again with the stronger reach.
    this.fileTasks.delete(abs)
    this.addFile(abs)
    const doc = this.parse(abs, ctx.reach)
    if (doc) this.taskList(doc.top, doc, abs, ctx)
  }

  /** A role's folder by name, searched as Ansible searches: undefined when not found. */
  findRole(name: string, ctx: Context): string | undefined {
    const alias = this.options.roleAliases?.[name]
    if (alias) return path.resolve(this.root, alias)
    if (name.includes('/')) return [path.resolve(ctx.playbookDir, name), path.resolve(this.root, name)].find(isDir)
    const dirs = [
      path.join(ctx.playbookDir, 'roles'),
      ...(this.options.rolesPaths ?? []).map((p) => path.resolve(this.root, p)),
      ...(ctx.role ? [path.dirname(ctx.role.dir)] : []),
      ctx.playbookDir,
    ]
    return dirs.map((d) => path.join(d, name)).find(isDir)
  }

  private roleRef(name: string | undefined, from: {tasks?: string; handlers?: string; vars?: string; defaults?: string}, ctx: Context, at: {file: string; line: number}, reach: Reach): void {
    const ref: Reference = {kind: 'role', name: name ?? '', file: this.shown(at.file), line: at.line, reach}
    if (!name || isTemplated(name)) return void this.out.dynamic.push(ref)
    const dir = this.findRole(name, ctx)
    const fromCollection = COLLECTION_ROLE.test(name) || ctx.collections.length > 0
    if (!dir) return void (fromCollection ? this.out.collectionRefs : this.out.missing).push({...ref, ...(ctx.collections.length ? {collections: ctx.collections} : {})})
    const {guarded, loadGuarded} = loadedBy(ctx, reach)
    this.role(name, dir, from, ctx.playbookDir, {reach, guarded, loadGuarded})
  }

  private role(name: string, dir: string, from: {tasks?: string; handlers?: string; vars?: string; defaults?: string}, playbookDir: string, how: How): void {
    const {reach, guarded, loadGuarded} = how
    const real = realpathSync(dir)
    if (!this.roleNames.has(real)) this.roleNames.set(real, name)
    const key = `${real}\0${from.tasks ?? ''}\0${from.handlers ?? ''}`
    if (!this.claim(this.roleReach, key, how)) return
    this.addParts(dir, ROLE_PARTS)
    const found = YAML_NAMES(path.join(dir, 'meta', 'main')).find(isFile)
    const meta = found ? realpathSync(found) : undefined
    const metaDoc = meta ? this.parse(meta, reach) : undefined
    const metaMap = asMap(metaDoc?.top)
    const ctx: Context = {playbookDir, collections: metaMap ? textList(valueOf(metaMap, 'collections')) : [], reach, ...(guarded ? {guarded} : {}), ...(loadGuarded ? {loadGuarded} : {}), role: {name, dir}}
    const deps = metaMap ? valueOf(metaMap, 'dependencies') : undefined
    for (const dep of isSeq(deps) ? deps.items : []) {
      const node = metaDoc!.resolve(dep)
      const m = asMap(node)
      const depName = m ? textOf(valueOf(m, 'role')) ?? textOf(valueOf(m, 'name')) : textOf(node)
      this.roleRef(depName, {}, m ? guardedBy(m, ctx) : ctx, {file: meta!, line: metaDoc!.line(node)}, reach)
    }
    for (const [part, base] of [['tasks', from.tasks ?? 'main'], ['handlers', from.handlers ?? 'main']] as const) {
      const file = YAML_NAMES(path.join(dir, part, base)).find(isFile)
      if (file) this.taskFile(file, part === 'handlers' ? {...ctx, trigger: 'notify'} : ctx)
      else if (base !== 'main') this.out.missing.push({kind: 'tasks', name: `${name}/${part}/${base}`, file: this.shown(dir), line: 0, reach})
    }
  }

  graph(): PlaybookGraph {
    const tasks = [...this.fileTasks.values()].flat()
    const roles = [...this.roleNames.entries()].map(([real, name]) => ({name, folder: this.shown(real)}))
    // A file walked again with a stronger reach reports its references again: once each.
    const once = <T extends {file: string; line: number}>(list: T[]) => [...new Map(list.map((r) => [JSON.stringify(r), r])).values()]
    const {collectionRefs, dynamic, missing, errors} = this.out
    return {
      ...this.out,
      collectionRefs: once(collectionRefs),
      dynamic: once(dynamic),
      missing: once(missing),
      errors: once(errors),
      tasks,
      files: [...this.fileSet].sort(),
      roles,
      libraries: [...this.libs].sort(),
    }
  }
}

/** The file a free-form argument names: `file.yml`, `file.yml var=x` (the old include), or a whole template. */
function fileArg(text: string | undefined): string | undefined {
  const t = text?.trim()
  if (!t) return undefined
  return isTemplated(t) ? t.replace(/\s+\w+=\S+$/g, '') : t.split(/\s+/)[0]
}

/** Walks playbooks (relative to `root`) and everything they reach. Reads files only; runs nothing. */
export function walkPlaybooks(root: string, playbooks: string[], options: WalkOptions = {}): PlaybookGraph {
  const walker = new Walker(root, options)
  const rootCfg = path.join(root, 'ansible.cfg')
  for (const pb of playbooks) walker.playbook(path.resolve(root, pb), 'static')
  const graph = walker.graph()
  return isFile(rootCfg) ? {...graph, files: [...new Set([...graph.files, 'ansible.cfg'])].sort()} : graph
}
