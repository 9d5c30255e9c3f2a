/**
 * Test Kitchen's provisioners, one mapper per tool: shell, chef_zero/chef_solo/chef_infra (and
 * kitchen-dokken's dokken), ansible_playbook and puppet_apply. A mapper sees only the types of
 * mapper.ts, so that it can move into its tool's provisioner descriptor.
 */
import {statSync} from 'node:fs'
import path from 'node:path'
import {isObject, type Level, type PluginInput, type ProvisionerMapper, type ProvisionerMapping} from './mapper.js'

export const CHEF_INSTALL = "Galley does not install Chef: the platform's image must have Cinc or Chef (cinc-solo or chef-solo)"

/** Chef settings Test Kitchen also reads from a platform or a suite itself, beside its provisioner block. */
export const CHEF_DATA = new Set(['attributes', 'run_list', 'named_run_list', 'data_path', 'data_bags_path', 'encrypted_data_bag_secret_key_path', 'environments_path', 'nodes_path', 'roles_path', 'policyfile_path'])

const empty = (): ProvisionerMapping => ({provisioner: {}, steps: [], env: {}})

function mapShell({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
  const out = empty()
  for (const proxy of ['http_proxy', 'https_proxy', 'no_proxy', 'ftp_proxy']) {
    if (!p.has(proxy)) continue
    const v = imp.str(p, proxy)
    if (v !== undefined) out.env[proxy] = v
  }
  const dataAt = p.at('data_path')
  const data = p.has('data_path') ? imp.str(p, 'data_path') : undefined
  if (data && dataAt) {
    const rel = imp.relPath(data, dataAt.pos, dataAt.where)
    if (rel) {
      out.steps.push({name: 'data_path at /tmp/kitchen/data', run: `mkdir -p /tmp/kitchen && ln -sfn "$PWD/${rel}" /tmp/kitchen/data`})
      imp.report('note', dataAt.pos, dataAt.where, `/tmp/kitchen/data is a link to the project's ${rel} (the project folder is at /tmp/galley in the instance)`)
    }
  }
  const command = p.has('command') ? imp.str(p, 'command') : undefined
  const scriptAt = p.at('script')
  let script = p.has('script') ? imp.str(p, 'script') : undefined
  if (!script && !command && !p.has('script')) script = imp.findFile([`test/integration/${suite}/bootstrap.sh`, 'test/integration/bootstrap.sh', 'bootstrap.sh'])
  const args = p.has('arguments') ? imp.list(p, 'arguments') : undefined
  if (command) out.steps.push({name: 'command', run: command})
  else if (script) {
    const rel = imp.relPath(script, scriptAt?.pos, scriptAt?.where ?? 'provisioner.script')
    if (rel && args && args.length > 0) out.steps.push({name: rel, run: `chmod +x ./${rel} 2>/dev/null; ./${rel} ${args.join(' ')}`})
    else if (rel) out.steps.push({script: rel})
  }
  return out
}

function mapChef({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
  const out = empty()
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

function mapPuppet({context: imp, block: p}: PluginInput): ProvisionerMapping {
  const out = empty()
  // kitchen-puppet applies manifests_path/manifest (manifests/site.pp) with modules_path (modules).
  const mAt = p.at('manifest') ?? p.at('manifests_path') ?? p.at('name')
  const dir = p.has('manifests_path') ? imp.str(p, 'manifests_path') : 'manifests'
  const file = p.has('manifest') ? imp.str(p, 'manifest') : 'site.pp'
  const manifest = dir !== undefined && file !== undefined ? imp.relPath(path.join(dir, file), mAt?.pos, mAt?.where ?? 'provisioner.manifest') : undefined
  if (manifest) {
    out.provisioner.name = 'puppet'
    out.provisioner.manifest = manifest
    const modAt = p.at('modules_path')
    const modules = p.has('modules_path') ? imp.str(p, 'modules_path') : imp.exists('modules') ? 'modules' : undefined
    const rel = modules ? imp.relPath(modules, modAt?.pos, modAt?.where ?? 'provisioner.modules_path') : undefined
    if (rel) out.provisioner.modulepath = rel
  }
  return out
}

function mapAnsible({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
  const out = empty()
  const nameAt = p.at('name')
  const at = p.at('playbook')
  let playbook = p.has('playbook') ? imp.str(p, 'playbook') : undefined
  if (!playbook && !p.has('playbook')) {
    playbook = imp.findFile([`test/integration/${suite}/ansible/default.yml`, `test/integration/${suite}/default.yml`, 'test/integration/default.yml', 'default.yml'])
  }
  const rel = playbook ? imp.relPath(playbook, at?.pos, at?.where ?? 'provisioner.playbook') : undefined
  if (rel) {
    out.provisioner.name = 'ansible'
    out.provisioner.playbook = rel
  } else if (!playbook && nameAt) {
    imp.report('unmapped', nameAt.pos, nameAt.where, `suite \`${suite}\` names no playbook and none of kitchen-ansible's defaults (default.yml under test/integration) exists; no ansible step was made`)
  }
  if (p.has('roles_path')) {
    const rAt = p.at('roles_path')!
    const paths = (imp.list(p, 'roles_path') ?? []).map((r) => imp.relPath(r, rAt.pos, rAt.where)).filter((r): r is string => r !== undefined)
    if (paths.length > 0 && rel) out.provisioner.roles_path = paths.length === 1 ? paths[0] : paths
  } else if (rel && imp.exists('roles') && statSync(path.resolve(imp.root, 'roles')).isDirectory()) {
    const r = imp.relPath('roles', undefined, '')
    if (r) out.provisioner.roles_path = r
  }
  if (p.has('extra_vars')) {
    const eAt = p.at('extra_vars')!
    const vars = imp.value(p, 'extra_vars')
    if (isObject(vars)) {
      if (Object.keys(vars).length > 0 && rel) out.provisioner.extra_vars = vars
    } else if (vars !== undefined) imp.report('unmapped', eAt.pos, eAt.where, 'extra_vars that is not a mapping (a file with @) is not imported: write the variables as a mapping')
  }
  if (p.has('idempotency_test')) {
    if (p.take('idempotency_test') === true && rel) out.provisioner.idempotence = true
  }
  if (p.has('custom_pre_install_command')) {
    const run = imp.str(p, 'custom_pre_install_command')
    if (run) out.steps.push({name: 'custom_pre_install_command', run})
  }
  return out
}

/** Galley's provisioner names. */
export type Tool = 'shell' | 'chef' | 'ansible' | 'puppet'

/** The Test Kitchen provisioners that map, with Galley's provisioner for each; kitchen-dokken's own, dokken, is chef_zero's. */
const PROVISIONERS = new Map<string, {tool: Tool; map: ProvisionerMapper}>([
  ['shell', {tool: 'shell', map: mapShell}],
  ['chef_zero', {tool: 'chef', map: mapChef}],
  ['chef_solo', {tool: 'chef', map: mapChef}],
  ['chef_infra', {tool: 'chef', map: mapChef}],
  ['dokken', {tool: 'chef', map: mapChef}],
  ['ansible_playbook', {tool: 'ansible', map: mapAnsible}],
  ['puppet_apply', {tool: 'puppet', map: mapPuppet}],
])

/** Test Kitchen's provisioner when none is named. */
export const DEFAULT_PROVISIONER = 'chef_solo'

/** The mapper of a Test Kitchen provisioner, and Galley's provisioner it maps to; undefined when it does not map. */
export function kitchenProvisioner(name: string): {tool: Tool; map: ProvisionerMapper} | undefined {
  return PROVISIONERS.get(name)
}

/** Galley's provisioner for a Test Kitchen provisioner name. */
export function provisionerKind(name: string): Tool | 'unsupported' {
  return PROVISIONERS.get(name)?.tool ?? 'unsupported'
}
