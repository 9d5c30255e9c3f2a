/** kitchen-puppet's puppet_apply provisioner, for `galley import`. */
import path from 'node:path'
import {emptyMapping, type PluginInput, type ProvisionerMapping} from '../../kitchen/mapper.js'

/** Test Kitchen's settings for this tool, for `galley import`. */
export function mapPuppet({context: imp, block: p}: PluginInput): ProvisionerMapping {
  const out = emptyMapping()
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
    if (p.has('puppetfile_path')) {
      const pfAt = p.at('puppetfile_path')!
      const file = imp.str(p, 'puppetfile_path')
      const pf = file ? imp.relPath(file, pfAt.pos, pfAt.where) : undefined
      if (pf) out.provisioner.puppetfile = pf
    }
  }
  return out
}
