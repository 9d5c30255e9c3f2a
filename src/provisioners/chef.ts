/**
 * The chef provisioner: writes solo.rb and the node's JSON (run list and attributes) in the
 * instance and runs `cinc-solo` or `chef-solo` in local mode. Neither is packaged for Debian:
 * `install: cinc|chef` installs one with the vendor's install script in a cached step, else the
 * platform's image must bring one. A project that is itself a cookbook is on the cookbook path
 * under its name, through a link made in the instance.
 */
import type {InstanceSpec} from '../config/types.js'
import {PROJECT_DIR, type Verdict} from '../model.js'
import {chefInstallStep, CINC_INSTALL_SCRIPT, type ChefProduct} from './chef-install.js'
import {cookbooksHint, missingCookbooks, projectCookbook} from './chef-cookbooks.js'
import {defineProvisioner, pathProblem, stringList, varsOf, type Raw} from './plugin.js'
import {inProject, stepEnv, type ProvisionStep} from './step.js'
import {mapChef} from './chef-kitchen.js'

export interface ChefSettings {
  /** `recipe[x]`, `role[y]`, `x` or `x::y`. */
  runList: string[]
  /** Node attributes. */
  attributes?: Record<string, unknown>
  /** Cookbook folders; `cookbooks` when not given. */
  cookbooksPath?: string[]
  /** Install Cinc or Chef with the vendor's install script, unless the image has one. */
  install?: ChefProduct
  /** The version the install script installs (`18`, `18.4`, `18.4.12`); the latest when not given. */
  version?: string
  /** The install script's URL; Cinc's omnitruck script for `install: cinc`. */
  installUrl?: string
}

const DIR = '/tmp/galley-chef'
/** The folder of the link to the project, when it is the cookbook under test. */
const PROJECT_LINKS = `${DIR}/project-cookbook`
const NO_CHEF = 100

/** Where chef-solo finds cookbooks: the cookbooks_path folders there are, and the project by its cookbook name. */
export interface CookbookLayout {
  folders: string[]
  project?: string
}

/** The cookbook path of a suite: the default `cookbooks` only when it is a folder, and the project when it is a cookbook no folder has. */
export function cookbookLayout(root: string, p: ChefSettings): CookbookLayout {
  const folders = p.cookbooksPath ?? (pathProblem(root, 'cookbooks', 'folder') === undefined ? ['cookbooks'] : [])
  const project = projectCookbook(root, folders)
  return {folders, ...(project !== undefined ? {project} : {})}
}

/** `x` and `x::y` become `recipe[x]` and `recipe[x::y]`; `recipe[...]` and `role[...]` stay. */
export function runListEntry(entry: string): string {
  return /^(recipe|role)\[/.test(entry) ? entry : `recipe[${entry}]`
}

/** `recipe[x]`, `role[y]`, `x` or `x::y`. */
const RUN_LIST_ENTRY = /^(?:(?:recipe|role)\[[A-Za-z0-9_.:-]+\]|[A-Za-z0-9_.-]+(?:::[A-Za-z0-9_.-]+)?)$/

export function soloRb(spec: InstanceSpec, layout: CookbookLayout): string {
  const paths = [...layout.folders.map(inProject), ...(layout.project !== undefined ? [PROJECT_LINKS] : [])].map((dir) => JSON.stringify(dir))
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

/** The binary that ran (the run's script says which it found), or `chef` when the output does not say. */
const binaryIn = (output: string): string => /^galley: running \S*?([\w-]+)$/m.exec(output)?.[1] ?? 'chef'

function judgeChef(spec: InstanceSpec, code: number, output: string): Verdict {
  if (code === 0) return {ok: true}
  if (code === NO_CHEF) {
    return {ok: false, message: `platform \`${spec.platform.name}\` has no cinc-solo or chef-solo: Chef is not packaged for Debian, so set install: cinc (Galley installs it with Cinc's install script) or use an image with Cinc or Chef Infra Client installed`}
  }
  return {ok: false, message: `${binaryIn(output)} failed (exit ${code})`}
}

export function judgeChefSecondRun(code: number, output: string): Verdict {
  const bin = binaryIn(output)
  if (code !== 0) return {ok: false, message: `the second ${bin} run failed (exit ${code})`}
  const run = parseChefOutput(output)
  const updated = run.updated ?? run.resources.length
  if (updated === 0) return {ok: true}
  return {ok: false, message: `the second ${bin} run updated ${updated} resource${updated === 1 ? '' : 's'}${run.resources.length ? ': ' + run.resources.join(', ') : ''}`}
}

function chefSteps(spec: InstanceSpec, p: ChefSettings, root: string): ProvisionStep[] {
  const env = {LANG: 'C.UTF-8', CHEF_LICENSE: 'accept-no-persist', ...spec.provisioner.env}
  const layout = cookbookLayout(root, p)
  const script = [
    `bin=$(command -v cinc-solo || command -v chef-solo) || { echo "galley: no cinc-solo or chef-solo in this image" >&2; exit ${NO_CHEF}; }`,
    `mkdir -p ${DIR}`,
    ...(layout.project !== undefined ? [`rm -rf ${PROJECT_LINKS} && mkdir -p ${PROJECT_LINKS} && ln -s ${PROJECT_DIR} "${PROJECT_LINKS}/$3"`] : []),
    `printf '%s\\n' "$1" > ${DIR}/solo.rb`,
    `printf '%s\\n' "$2" > ${DIR}/node.json`,
    'echo "galley: running $bin"',
    `exec "$bin" --no-color --format doc --config ${DIR}/solo.rb --json-attributes ${DIR}/node.json`,
  ].join('\n')
  const argv = ['/bin/sh', '-c', script, 'galley', soloRb(spec, layout), nodeJson(p), ...(layout.project !== undefined ? [layout.project] : [])]
  const runList = p.runList.map(runListEntry).join(',')
  // Which binary runs is known only in the instance: the name stays neutral, the verdicts name it.
  const name = `chef run_list ${runList}`
  const command = `${p.install === 'cinc' ? 'cinc-solo' : p.install === 'chef' ? 'chef-solo' : 'cinc-solo (or chef-solo)'} -c solo.rb -j node.json`
  return [
    ...(p.install ? [chefInstallStep(spec, p.install, p.version, p.installUrl ?? CINC_INSTALL_SCRIPT)] : []),
    {
      kind: 'step',
      name,
      argv,
      env,
      expected: 0,
      command,
      judge: (code, output) => judgeChef(spec, code, output),
      // The project's own cookbook is in the key as a whole, but its top-level test folders.
      cache: {
        env: stepEnv(spec, env),
        settings: {runList: p.runList, attributes: p.attributes ?? null, ...(layout.project !== undefined ? {projectCookbook: layout.project} : {})},
        paths: [...(p.cookbooksPath ?? ['cookbooks']), ...(layout.project !== undefined ? ['.'] : [])],
      },
      recheck: {kind: 'idempotence', name, argv, env, expected: 0, judge: (code, output) => judgeChefSecondRun(code, output)},
    },
  ]
}

export {CHEF_DATA, CHEF_INSTALL} from './chef-kitchen.js'

export const chef = defineProvisioner<ChefSettings>({
  name: 'chef',
  summary: '`cinc-solo` or `chef-solo` in local mode inside the instance, with a run list and node attributes; Cinc or Chef installed when asked',
  settings: {
    run_list: {schema: {kind: 'strings'}, required: true, doc: 'recipe[x], role[y], x or x::y'},
    attributes: {schema: {kind: 'vars'}, doc: 'node attributes'},
    cookbooks_path: {schema: {kind: 'strings'}, files: 'folder', doc: 'folders of cookbooks (default: cookbooks)'},
    install: {schema: {kind: 'enum', values: ['cinc', 'chef']}, doc: 'install Cinc or Chef Infra Client with the install script, unless the image has cinc-solo or chef-solo'},
    version: {schema: {kind: 'scalar'}, doc: 'the version to install: 18, 18.4 or 18.4.12 (default: the latest)'},
    install_url: {schema: {kind: 'string', pattern: /^(https?|file):\/\/\S+$/, what: 'an http(s) or file:// URL'}, doc: "the install script (default for cinc: Cinc's omnitruck install script; chef needs one)"},
  },
  read: (raw: Raw): ChefSettings => ({
    runList: stringList(raw.run_list) ?? [],
    ...(raw.attributes !== undefined ? {attributes: varsOf(raw.attributes)} : {}),
    ...(raw.cookbooks_path !== undefined ? {cookbooksPath: stringList(raw.cookbooks_path)} : {}),
    ...(raw.install !== undefined ? {install: raw.install as ChefProduct} : {}),
    ...(raw.version !== undefined ? {version: String(raw.version)} : {}),
    ...(raw.install_url !== undefined ? {installUrl: String(raw.install_url)} : {}),
  }),
  check(p, spec, check) {
    for (const entry of p.runList.filter((e) => !RUN_LIST_ENTRY.test(e))) {
      check.error(`run_list entry \`${entry}\` is not a recipe or role`, {key: 'run_list', value: entry}, 'Write recipe[cookbook::recipe], role[name], or cookbook::recipe.')
    }
    if (p.install === 'chef' && !p.installUrl) {
      check.error("`install: chef` needs `install_url:`, the URL of Chef's install script", {key: 'install'}, "Give the script's URL from Chef's documentation, or install: cinc (Cinc, Chef's free distribution, whose install script is the default).")
    }
    if ((p.version || p.installUrl) && !p.install) check.error(`\`${p.version ? 'version' : 'install_url'}:\` says how to install Chef, but there is no \`install:\``, {key: p.version ? 'version' : 'install_url'}, 'Add install: cinc (or chef).')
    const layout = cookbookLayout(check.root, p)
    const problem = p.cookbooksPath || layout.project !== undefined ? undefined : pathProblem(check.root, 'cookbooks', 'folder')
    if (problem) {
      return check.error(`suite \`${spec.suite}\` uses chef without \`cookbooks_path:\`, and the default \`cookbooks\` ${problem}`, {key: 'run_list'}, cookbooksHint(check.root, p.cookbooksPath))
    }
    if (p.cookbooksPath?.some((c) => pathProblem(check.root, c, 'folder'))) return
    const where = [...layout.folders, ...(layout.project !== undefined ? [`the project (${layout.project})`] : [])].join(', ') || 'none'
    for (const m of missingCookbooks(check.root, layout.folders, p.runList)) {
      check.error(`cookbook \`${m.name}\` (needed by ${m.by}) is in no cookbooks_path folder (${where})`, {key: p.cookbooksPath ? 'cookbooks_path' : 'run_list'}, cookbooksHint(check.root, p.cookbooksPath, m.name))
    }
  },
  kitchen: {plugins: ['chef_zero', 'chef_solo', 'chef_infra', 'dokken'], map: mapChef},
  steps: chefSteps,
})
