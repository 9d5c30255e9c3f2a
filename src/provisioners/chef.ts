/**
 * The chef provisioner: writes solo.rb and the node's JSON (run list and attributes) in the
 * instance and runs `cinc-solo` or `chef-solo` in local mode. Neither is packaged for Debian, so
 * the platform's image must bring one.
 */
import type {InstanceSpec} from '../config/types.js'
import type {Verdict} from '../model.js'
import {defineProvisioner, pathProblem, stringList, varsOf, type Raw} from './plugin.js'
import {inProject, stepEnv, type ProvisionStep} from './step.js'
import {emptyMapping, isObject, type Level, type PluginInput, type ProvisionerMapping} from '../kitchen/mapper.js'

export interface ChefSettings {
  /** `recipe[x]`, `role[y]`, `x` or `x::y`. */
  runList: string[]
  /** Node attributes. */
  attributes?: Record<string, unknown>
  /** Cookbook folders; `cookbooks` when not given. */
  cookbooksPath?: string[]
}

const DIR = '/tmp/galley-chef'
const NO_CHEF = 100

/** `x` and `x::y` become `recipe[x]` and `recipe[x::y]`; `recipe[...]` and `role[...]` stay. */
export function runListEntry(entry: string): string {
  return /^(recipe|role)\[/.test(entry) ? entry : `recipe[${entry}]`
}

/** `recipe[x]`, `role[y]`, `x` or `x::y`. */
const RUN_LIST_ENTRY = /^(?:(?:recipe|role)\[[A-Za-z0-9_.:-]+\]|[A-Za-z0-9_.-]+(?:::[A-Za-z0-9_.-]+)?)$/

export function soloRb(spec: InstanceSpec, p: ChefSettings): string {
  const paths = (p.cookbooksPath ?? ['cookbooks']).map((dir) => JSON.stringify(inProject(dir)))
  return [
    `cookbook_path [${paths.join(', ')}]`,
    `file_cache_path ${JSON.stringify(`${DIR}/cache`)}`,
    `node_path ${JSON.stringify(`${DIR}/nodes`)}`,
    `node_name ${JSON.stringify(spec.name)}`,
    'local_mode true',
    'log_location STDOUT',
  ].join('\n')
}

export function nodeJson(p: ChefSettings): string {
  return JSON.stringify({...(p.attributes ?? {}), run_list: p.runList.map(runListEntry)})
}

export interface ChefRun {
  /** From `... finished, U/T resources updated`; undefined when the line is missing. */
  updated?: number
  total?: number
  /** `type[name]` of each resource that did something (a `- ` line under its `* type[name] action x` line). */
  resources: string[]
}

/** Reads chef-solo's doc formatter output. */
export function parseChefOutput(output: string): ChefRun {
  const resources: string[] = []
  let current: string | undefined
  let updated: number | undefined
  let total: number | undefined
  for (const line of output.split('\n')) {
    const res = /^\s*\* (\w+\[.*\]) action \w+/.exec(line)
    if (res) {
      current = /\((up to date|skipped due to .*)\)\s*$/.test(line) ? undefined : res[1]
      continue
    }
    if (current && /^\s+- /.test(line)) {
      if (!resources.includes(current)) resources.push(current)
      continue
    }
    const fin = /finished, (\d+)\/(\d+) resources updated/.exec(line)
    if (fin) {
      updated = Number(fin[1])
      total = Number(fin[2])
    }
  }
  return {updated, total, resources}
}

function judgeChef(spec: InstanceSpec, code: number): Verdict {
  if (code === 0) return {ok: true}
  if (code === NO_CHEF) {
    return {ok: false, message: `platform \`${spec.platform.name}\` has no cinc-solo or chef-solo: Chef is not packaged for Debian, so use an image with Cinc or Chef Infra Client installed`}
  }
  return {ok: false, message: `chef-solo failed (exit ${code})`}
}

export function judgeChefSecondRun(code: number, output: string): Verdict {
  if (code !== 0) return {ok: false, message: `the second chef-solo run failed (exit ${code})`}
  const run = parseChefOutput(output)
  const updated = run.updated ?? run.resources.length
  if (updated === 0) return {ok: true}
  return {ok: false, message: `the second chef-solo run updated ${updated} resource${updated === 1 ? '' : 's'}${run.resources.length ? ': ' + run.resources.join(', ') : ''}`}
}

function chefSteps(spec: InstanceSpec, p: ChefSettings): ProvisionStep[] {
  const env = {LANG: 'C.UTF-8', CHEF_LICENSE: 'accept-no-persist', ...spec.provisioner.env}
  const script = [
    `bin=$(command -v cinc-solo || command -v chef-solo) || { echo "galley: no cinc-solo or chef-solo in this image" >&2; exit ${NO_CHEF}; }`,
    `mkdir -p ${DIR}`,
    `printf '%s\\n' "$1" > ${DIR}/solo.rb`,
    `printf '%s\\n' "$2" > ${DIR}/node.json`,
    `exec "$bin" --no-color --format doc --config ${DIR}/solo.rb --json-attributes ${DIR}/node.json`,
  ].join('\n')
  const argv = ['/bin/sh', '-c', script, 'galley', soloRb(spec, p), nodeJson(p)]
  const name = `chef-solo ${p.runList.map(runListEntry).join(',')}`
  return [
    {
      kind: 'step',
      name,
      argv,
      env,
      expected: 0,
      command: name,
      judge: (code) => judgeChef(spec, code),
      cache: {env: stepEnv(spec, env), settings: {runList: p.runList, attributes: p.attributes ?? null}, paths: p.cookbooksPath ?? ['cookbooks']},
      recheck: {kind: 'idempotence', name, argv, env, expected: 0, judge: (code, output) => judgeChefSecondRun(code, output)},
    },
  ]
}

/** What `galley import` says of Test Kitchen's Chef install settings. */
export const CHEF_INSTALL = "Galley does not install Chef: the platform's image must have Cinc or Chef (cinc-solo or chef-solo)"

/** Chef settings Test Kitchen also reads from a platform or a suite itself, beside its provisioner block. */
export const CHEF_DATA = new Set(['attributes', 'run_list', 'named_run_list', 'data_path', 'data_bags_path', 'encrypted_data_bag_secret_key_path', 'environments_path', 'nodes_path', 'roles_path', 'policyfile_path'])

/** Test Kitchen's settings for this tool, for `galley import`. */
function mapChef({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
  const out = emptyMapping()
  const nameAt = p.at('name')
  const runList = p.takeLevels('run_list')
  // Kitchen joins the platform's run list and the suite's; a common one is overridden.
  const perLevel = (level: Level) => runList.filter((r) => r.level === level).at(-1)
  const parts = [perLevel('platform'), perLevel('suite')].filter((x) => x !== undefined)
  const chosen = parts.length > 0 ? parts : [perLevel('common')].filter((x) => x !== undefined)
  const list: string[] = []
  for (const r of chosen) {
    const v = imp.clean(r.value, r.place.pos, r.place.where)
    if (v !== undefined && v !== null) list.push(...(Array.isArray(v) ? v : [v]).map(String))
  }
  if (list.length > 0) {
    out.provisioner.name = 'chef'
    out.provisioner.run_list = list
  } else if (nameAt) {
    imp.report('note', nameAt.pos, nameAt.where, `suite \`${suite}\` has no run_list, so it has no chef step (a Policyfile's run list is not read)`)
  }
  if (p.has('attributes')) {
    const attrs = imp.value(p, 'attributes')
    if (isObject(attrs) && Object.keys(attrs).length > 0 && list.length > 0) out.provisioner.attributes = attrs
  }
  if (p.has('cookbooks_path')) {
    const at = p.at('cookbooks_path')!
    const paths = (imp.list(p, 'cookbooks_path') ?? []).map((c) => imp.relPath(c, at.pos, at.where)).filter((c): c is string => c !== undefined)
    if (paths.length > 0 && list.length > 0) out.provisioner.cookbooks_path = paths.length === 1 ? paths[0] : paths
  }
  if (list.length > 0 && nameAt) {
    imp.report('note', nameAt.pos, nameAt.where, CHEF_INSTALL)
    if (!out.provisioner.cookbooks_path && !imp.exists('cookbooks')) {
      const how = imp.exists('Policyfile.rb')
        ? 'this project resolves them with a Policyfile: export them (chef export, or berks vendor cookbooks with a Berksfile) into cookbooks/'
        : imp.exists('Berksfile')
          ? 'this project resolves them with Berkshelf: run berks vendor cookbooks first'
          : imp.exists('metadata.rb')
            ? 'this folder is itself a cookbook: put it (and its dependencies) under cookbooks/<name>/'
            : 'put the cookbooks there'
      imp.report('note', nameAt.pos, nameAt.where, `Galley's chef provisioner reads cookbooks from cookbooks_path (default cookbooks/), which does not exist: ${how}`)
    }
  }
  if (p.has('enforce_idempotency')) {
    if (p.take('enforce_idempotency') === true && list.length > 0) out.provisioner.idempotence = true
  }
  return out
}

export const chef = defineProvisioner<ChefSettings>({
  name: 'chef',
  summary: '`cinc-solo` or `chef-solo` in local mode inside the instance, with a run list and node attributes',
  settings: {
    run_list: {schema: {kind: 'strings'}, required: true, doc: 'recipe[x], role[y], x or x::y'},
    attributes: {schema: {kind: 'vars'}, doc: 'node attributes'},
    cookbooks_path: {schema: {kind: 'strings'}, files: 'folder', doc: 'folders of cookbooks (default: cookbooks)'},
  },
  read: (raw: Raw): ChefSettings => ({
    runList: stringList(raw.run_list) ?? [],
    ...(raw.attributes !== undefined ? {attributes: varsOf(raw.attributes)} : {}),
    ...(raw.cookbooks_path !== undefined ? {cookbooksPath: stringList(raw.cookbooks_path)} : {}),
  }),
  check(p, spec, check) {
    for (const entry of p.runList.filter((e) => !RUN_LIST_ENTRY.test(e))) {
      check.error(`run_list entry \`${entry}\` is not a recipe or role`, {key: 'run_list', value: entry}, 'Write recipe[cookbook::recipe], role[name], or cookbook::recipe.')
    }
    const problem = p.cookbooksPath ? undefined : pathProblem(check.root, 'cookbooks', 'folder')
    if (problem) check.error(`suite \`${spec.suite}\` uses chef without \`cookbooks_path:\`, and the default \`cookbooks\` ${problem}`, {key: 'run_list'}, 'Set cookbooks_path: to the folder holding your cookbooks.')
  },
  kitchen: {plugins: ['chef_zero', 'chef_solo', 'chef_infra', 'dokken'], map: mapChef},
  steps: chefSteps,
})
