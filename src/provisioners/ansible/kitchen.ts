/** kitchen-ansible's ansible_playbook provisioner, for `galley import`. */
import {statSync} from 'node:fs'
import path from 'node:path'
import {emptyMapping, isObject, type PluginInput, type ProvisionerMapping} from '../../kitchen/mapper.js'

/** Test Kitchen's settings for this tool, for `galley import`. */
export function mapAnsible({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
  const out = emptyMapping()
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
  // kitchen-ansible's roles requirements (requirements_path) and collections (requirements_collection_path).
  const requirements: string[] = []
  for (const key of ['requirements_path', 'requirements_collection_path']) {
    if (!p.has(key)) continue
    const kAt = p.at(key)!
    const file = imp.str(p, key)
    const r = file ? imp.relPath(file, kAt.pos, kAt.where) : undefined
    if (r && !requirements.includes(r)) requirements.push(r)
  }
  if (requirements.length > 0 && rel) out.provisioner.requirements = requirements.length === 1 ? requirements[0] : requirements
  if (p.has('ansible_version')) {
    const vAt = p.at('ansible_version')!
    const version = imp.value(p, 'ansible_version')
    if (version !== undefined && version !== null && !['latest', 'default'].includes(String(version)) && rel) {
      out.provisioner.ansible_version = String(version)
      imp.report('note', vAt.pos, vAt.where, 'Galley installs this ansible-core version with pip, which needs the network; without ansible_version it installs Debian\'s')
    }
  }
  if (p.has('custom_pre_install_command')) {
    const run = imp.str(p, 'custom_pre_install_command')
    if (run) out.steps.push({name: 'custom_pre_install_command', run})
  }
  return out
}

