/** Test Kitchen's chef provisioners (chef_zero, chef_solo, chef_infra, dokken), for `galley import`. */
import {emptyMapping, isObject, type ImportContext, type KitchenBlock, type Level, type PluginInput, type ProvisionerMapping} from '../kitchen/mapper.js'
import {missingCookbooks} from './chef-cookbooks.js'

/**
 * Test Kitchen's install settings: product_name (cinc, or chef with the script's URL in
 * chef_omnibus_url), product_version and install_strategy (skip: none) become install:, version:
 * and install_url:. Whether it mapped them.
 */
function mapInstall(imp: ImportContext, p: KitchenBlock, out: ProvisionerMapping): boolean {
  if (!p.has('product_name')) return false
  const at = p.at('product_name')!
  const product = imp.str(p, 'product_name')
  const strategyAt = p.at('install_strategy')
  const strategy = p.has('install_strategy') ? imp.str(p, 'install_strategy') : undefined
  const versionAt = p.at('product_version')
  const version = p.has('product_version') ? imp.value(p, 'product_version') : undefined
  const urlAt = p.at('chef_omnibus_url')
  const url = p.has('chef_omnibus_url') ? imp.str(p, 'chef_omnibus_url') : undefined
  const also = (why: string) => {
    if (versionAt && version !== undefined) imp.report('unmapped', versionAt.pos, versionAt.where, why)
    if (urlAt && url !== undefined) imp.report('unmapped', urlAt.pos, urlAt.where, why)
  }
  if (strategy === 'skip') {
    imp.report('note', strategyAt!.pos, strategyAt!.where, "install_strategy: skip: Galley installs nothing, so the platform's image must have Cinc or Chef")
    also('install_strategy is skip: nothing is installed')
    return false
  }
  if (product !== 'cinc' && !(product === 'chef' && url)) {
    const why =
      product === 'chef'
        ? "install: chef needs the URL of Chef's install script, which kitchen takes from chef_omnibus_url: add install_url, or use install: cinc (Cinc, Chef's free distribution, whose install script is the default)"
        : `Galley installs cinc or chef, not ${product}`
    imp.report('unmapped', at.pos, at.where, why)
    also('product_name was not imported')
    return false
  }
  out.provisioner.install = product
  if (url) out.provisioner.install_url = url
  if (version !== undefined && version !== null && String(version) !== 'latest') out.provisioner.version = String(version)
  if (strategy === 'always') imp.report('note', strategyAt!.pos, strategyAt!.where, 'Galley installs it once per platform, as a cached step, not on every converge')
  return true
}

/** What `galley import` says of Test Kitchen's Chef install settings it does not map. */
export const CHEF_INSTALL = "Galley installs Cinc or Chef with the install script (install:, version:, install_url:) or uses the one in the image; this setting has no equivalent"

/** Chef settings Test Kitchen also reads from a platform or a suite itself, beside its provisioner block. */
export const CHEF_DATA = new Set(['attributes', 'run_list', 'named_run_list', 'data_path', 'data_bags_path', 'encrypted_data_bag_secret_key_path', 'environments_path', 'nodes_path', 'roles_path', 'policyfile_path'])

/** Test Kitchen's settings for this tool, for `galley import`. */
export function mapChef({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
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
  const installs = list.length > 0 && mapInstall(imp, p, out)
  if (list.length > 0 && nameAt) {
    if (!installs) imp.report('note', nameAt.pos, nameAt.where, "Galley installs no Chef unless told (install: cinc): the platform's image must have Cinc or Chef (cinc-solo or chef-solo)")
    if (!out.provisioner.cookbooks_path && !imp.exists('cookbooks')) {
      // A project that is itself a cookbook is on the cookbook path: only the cookbooks it needs besides want a folder.
      const own = imp.exists('metadata.rb')
      const others = own ? missingCookbooks(imp.root, [], list).map((m) => m.name) : []
      const how = imp.exists('Policyfile.rb')
        ? 'this project resolves them with a Policyfile: export them (chef export, or berks vendor cookbooks with a Berksfile) into cookbooks/'
        : imp.exists('Berksfile')
          ? 'this project resolves them with Berkshelf: run berks vendor cookbooks first'
          : own
            ? 'one folder each, cookbooks/<name>/'
            : 'put the cookbooks there'
      if (!own) imp.report('note', nameAt.pos, nameAt.where, `Galley's chef provisioner reads cookbooks from cookbooks_path (default cookbooks/), which does not exist: ${how}`)
      else if (others.length > 0) {
        imp.report('note', nameAt.pos, nameAt.where, `Galley puts this folder, itself a cookbook, on the cookbook path; the cookbooks it needs besides (${others.join(', ')}) go in cookbooks_path (default cookbooks/, which does not exist): ${how}`)
      }
    }
  }
  if (p.has('enforce_idempotency')) {
    if (p.take('enforce_idempotency') === true && list.length > 0) out.provisioner.idempotence = true
  }
  return out
}
