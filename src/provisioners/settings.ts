/**
 * The recipe tools' settings in galley.yml: turning the merged YAML into ProvisionerSettings, and
 * the checks that need the whole instance (which keys belong to which tool, which files exist).
 */
import {statSync} from 'node:fs'
import path from 'node:path'
import {isMap, isScalar, isSeq, type Node} from 'yaml'
import {ConfigError, type SourcePosition} from '../errors.js'
import type {SourceMap} from '../config/schema.js'
import type {InstanceSpec, ProvisionerName, ProvisionerSettings, Vars} from '../config/types.js'

type Raw = Record<string, unknown>

const list = (v: unknown): string[] | undefined => (v === undefined ? undefined : (Array.isArray(v) ? v : [v]).map(String))
const vars = (v: unknown): Vars | undefined => (v === undefined ? undefined : {...(v as Vars)})

/** The tool settings of a merged `provisioner:` mapping (everything but name, steps and env). */
export function toolSettings(raw: Raw): Omit<ProvisionerSettings, 'name' | 'steps' | 'env'> {
  const out: Omit<ProvisionerSettings, 'name' | 'steps' | 'env'> = {idempotence: raw.idempotence === true}
  if (raw.package !== undefined) out.package = String(raw.package)
  if (raw.playbook !== undefined) out.playbooks = list(raw.playbook)
  if (raw.roles_path !== undefined) out.rolesPath = list(raw.roles_path)
  if (raw.extra_vars !== undefined) out.extraVars = vars(raw.extra_vars)
  if (raw.inventory !== undefined) out.inventory = vars(raw.inventory)
  if (raw.manifest !== undefined) out.manifest = String(raw.manifest)
  if (raw.modulepath !== undefined) out.modulepath = list(raw.modulepath)
  if (raw.run_list !== undefined) out.runList = list(raw.run_list)
  if (raw.attributes !== undefined) out.attributes = vars(raw.attributes)
  if (raw.cookbooks_path !== undefined) out.cookbooksPath = list(raw.cookbooks_path)
  if (raw.recipe !== undefined) out.recipes = list(raw.recipe)
  return out
}

/** Which tool each setting belongs to, and what it names on disk. */
const KEYS: {key: string; field: keyof ProvisionerSettings; tools: ProvisionerName[]; files?: 'file' | 'folder' | 'either'}[] = [
  {key: 'playbook', field: 'playbooks', tools: ['ansible'], files: 'file'},
  {key: 'roles_path', field: 'rolesPath', tools: ['ansible'], files: 'folder'},
  {key: 'extra_vars', field: 'extraVars', tools: ['ansible']},
  {key: 'inventory', field: 'inventory', tools: ['ansible']},
  {key: 'manifest', field: 'manifest', tools: ['puppet'], files: 'either'},
  {key: 'modulepath', field: 'modulepath', tools: ['puppet'], files: 'folder'},
  {key: 'run_list', field: 'runList', tools: ['chef']},
  {key: 'attributes', field: 'attributes', tools: ['chef', 'itamae']},
  {key: 'cookbooks_path', field: 'cookbooksPath', tools: ['chef'], files: 'folder'},
  {key: 'recipe', field: 'recipes', tools: ['itamae'], files: 'file'},
  {key: 'package', field: 'package', tools: ['ansible', 'puppet', 'itamae']},
]

const REQUIRED: Partial<Record<ProvisionerName, string>> = {ansible: 'playbook', puppet: 'manifest', chef: 'run_list', itamae: 'recipe'}

/** `recipe[x]`, `role[y]`, `x` or `x::y`. */
export const RUN_LIST_ENTRY = /^(?:(?:recipe|role)\[[A-Za-z0-9_.:-]+\]|[A-Za-z0-9_.-]+(?:::[A-Za-z0-9_.-]+)?)$/

/** The node of `key:` (whose value is, or lists, `value` when given) in the first source that has one. */
function findKey(sources: SourceMap[], key: string, value?: string): SourcePosition | undefined {
  for (const src of sources) {
    let found: Node | undefined
    const matches = (v: unknown) => value === undefined || (isScalar(v) && String(v.value) === value) || (isSeq(v) && v.items.some((i) => isScalar(i) && String(i.value) === value))
    const visit = (node: unknown) => {
      if (found) return
      if (isMap(node)) {
        for (const pair of node.items) {
          if (isScalar(pair.key) && pair.key.value === key && matches(pair.value)) {
            const v = pair.value
            found = (isSeq(v) && value !== undefined ? (v.items.find((i) => isScalar(i) && String(i.value) === value) as Node) : undefined) ?? (value === undefined ? (pair.key as Node) : (v as Node))
          } else visit(pair.value)
        }
      } else if (isSeq(node)) node.items.forEach(visit)
    }
    visit(src.doc.contents)
    if (found) return src.at(found)
  }
  return undefined
}

/**
 * Checks each instance's provisioner after merging: the tool's required setting is there, settings
 * of other tools are not, and every file or folder named exists inside the project.
 */
export function provisionerErrors(instances: InstanceSpec[], root: string, sources: SourceMap[], suiteAt: (suite: string) => SourcePosition): ConfigError[] {
  const errors: ConfigError[] = []
  const reported = new Set<string>()
  const once = (id: string, error: () => ConfigError) => {
    if (reported.has(id)) return
    reported.add(id)
    errors.push(error())
  }
  for (const inst of instances) {
    const p = inst.provisioner
    const required = REQUIRED[p.name]
    const requiredKey = KEYS.find((k) => k.key === required)
    if (required && requiredKey && p[requiredKey.field] === undefined) {
      once(`required ${inst.suite} ${required}`, () => new ConfigError(`suite \`${inst.suite}\` uses the ${p.name} provisioner but has no \`${required}:\``, findKey(sources, 'name', p.name) ?? suiteAt(inst.suite), {hint: `Add provisioner: {name: ${p.name}, ${required}: ...} (see the README's provisioners section).`}))
    }
    for (const k of KEYS) {
      const value = p[k.field]
      if (value === undefined) continue
      if (!k.tools.includes(p.name)) {
        once(`foreign ${k.key} ${p.name}`, () => new ConfigError(`\`${k.key}\` is a setting of the ${k.tools.join(' and ')} provisioner${k.tools.length > 1 ? 's' : ''}, but suite \`${inst.suite}\` uses ${p.name}`, findKey(sources, k.key) ?? suiteAt(inst.suite), {hint: `Set provisioner: {name: ${k.tools[0]}} in that suite, or remove \`${k.key}\`.`}))
        continue
      }
      if (!k.files) continue
      for (const rel of Array.isArray(value) ? (value as string[]) : [String(value)]) {
        const problem = pathProblem(root, rel, k.files)
        if (problem) once(`path ${k.key} ${rel}`, () => new ConfigError(`${k.key} \`${rel}\` ${problem}`, findKey(sources, k.key, rel) ?? suiteAt(inst.suite), {hint: 'Paths are relative to the folder holding galley.yml, which is all an instance sees.'}))
      }
    }
    if (p.name === 'chef' && p.runList) {
      for (const entry of p.runList.filter((e) => !RUN_LIST_ENTRY.test(e))) {
        once(`run_list ${entry}`, () => new ConfigError(`run_list entry \`${entry}\` is not a recipe or role`, findKey(sources, 'run_list', entry) ?? suiteAt(inst.suite), {hint: 'Write recipe[cookbook::recipe], role[name], or cookbook::recipe.'}))
      }
    }
    if (p.name === 'chef' && !p.cookbooksPath) {
      const problem = pathProblem(root, 'cookbooks', 'folder')
      if (problem) once(`cookbooks ${inst.suite}`, () => new ConfigError(`suite \`${inst.suite}\` uses chef without \`cookbooks_path:\`, and the default \`cookbooks\` ${problem}`, findKey(sources, 'run_list') ?? suiteAt(inst.suite), {hint: 'Set cookbooks_path: to the folder holding your cookbooks.'}))
    }
  }
  return errors
}

/** Why `rel` cannot be used as a `kind`, or undefined when it can. */
function pathProblem(root: string, rel: string, kind: 'file' | 'folder' | 'either'): string | undefined {
  const target = path.resolve(root, rel)
  if (path.isAbsolute(rel) || path.relative(root, target).startsWith('..')) return 'is outside the project folder'
  const st = statSync(target, {throwIfNoEntry: false})
  const shown = path.relative(process.cwd(), target) || target
  if (!st) return `not found (looked for ${shown})`
  if (kind === 'file' && !st.isFile()) return 'is a folder, not a file'
  if (kind === 'folder' && !st.isDirectory()) return 'is a file, not a folder'
  return undefined
}
