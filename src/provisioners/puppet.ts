/**
 * The puppet provisioner: `puppet apply` of the manifest inside the instance, with Debian's puppet
 * when the platform lacks one. `--detailed-exitcodes`: 0 nothing changed, 2 changes, 4 or 6 failures.
 */
import path from 'node:path'
import type {InstanceSpec} from '../config/types.js'
import type {Verdict} from '../model.js'
import {defineProvisioner, stringList, type Raw} from './plugin.js'
import {inProject, installStep, stepEnv, type ProvisionStep} from './step.js'
import {emptyMapping, type PluginInput, type ProvisionerMapping} from '../kitchen/mapper.js'

export interface PuppetSettings {
  package?: string
  /** A manifest file, or a folder of them. */
  manifest: string
  modulepath?: string[]
}

/** Resources a puppet run changed, from its `Notice: /Stage[main]/.../Type[title]/property: ...` lines. */
export function puppetChanges(output: string): string[] {
  const out: string[] = []
  for (const line of output.split('\n')) {
    const m = /^Notice: (\/Stage\[.*)\/[a-z_]+: /.exec(line)
    if (!m) continue
    const starts = [...m[1].matchAll(/\/[A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*\[/g)]
    const last = starts.at(-1)
    const resource = last ? m[1].slice(last.index! + 1) : m[1]
    if (!out.includes(resource)) out.push(resource)
  }
  return out
}

const EXIT_MEANING: Record<number, string> = {1: 'puppet could not apply the catalog', 4: 'some resources failed', 6: 'some resources changed and some failed'}

/** Converge: 0 (nothing to do) and 2 (changes made) pass. */
export function judgePuppet(code: number): Verdict {
  if (code === 0 || code === 2) return {ok: true}
  return {ok: false, message: `puppet apply failed (exit ${code}: ${EXIT_MEANING[code] ?? 'see the output'})`}
}

/** Idempotence: only 0 passes; 2 names the resources that changed again. */
export function judgePuppetSecondRun(manifest: string, code: number, output: string): Verdict {
  if (code === 0) return {ok: true}
  if (code !== 2) return {ok: false, message: `the second puppet apply of ${manifest} failed (exit ${code}: ${EXIT_MEANING[code] ?? 'see the output'})`}
  const changed = puppetChanges(output)
  return {ok: false, message: `the second puppet apply of ${manifest} changed ${changed.length || 'some'} resource${changed.length === 1 ? '' : 's'} (exit 2)${changed.length ? ': ' + changed.join(', ') : ''}`}
}

function puppetSteps(spec: InstanceSpec, p: PuppetSettings): ProvisionStep[] {
  const manifest = p.manifest
  const env = {LANG: 'C.UTF-8', ...spec.provisioner.env}
  const argv = [
    'puppet',
    'apply',
    '--detailed-exitcodes',
    '--color=false',
    ...(p.modulepath ? [`--modulepath=${p.modulepath.map(inProject).join(':')}`] : []),
    inProject(manifest),
  ]
  return [
    installStep(spec, 'puppet', ['puppet'], [p.package ?? 'puppet']),
    {
      kind: 'step',
      name: manifest,
      argv,
      env,
      expected: 0,
      command: `puppet apply ${manifest}`,
      judge: (code) => judgePuppet(code),
      // A manifest folder is read whole; a manifest file with its folder (files it sources, imports).
      cache: {env: stepEnv(spec, env), settings: {manifest, modulepath: p.modulepath ?? null}, paths: [path.dirname(manifest), manifest, ...(p.modulepath ?? [])]},
      recheck: {kind: 'idempotence', name: manifest, argv, env, expected: 0, judge: (code, output) => judgePuppetSecondRun(manifest, code, output)},
    },
  ]
}

/** Test Kitchen's settings for this tool, for `galley import`. */
function mapPuppet({context: imp, block: p}: PluginInput): ProvisionerMapping {
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
  }
  return out
}

export const puppet = defineProvisioner<PuppetSettings>({
  name: 'puppet',
  summary: '`puppet apply` of a manifest inside the instance, with Debian\'s puppet when the platform lacks one',
  settings: {
    manifest: {schema: {kind: 'string'}, files: 'either', required: true, doc: 'a manifest file, or a folder of manifests'},
    modulepath: {schema: {kind: 'strings'}, files: 'folder', doc: 'folders of modules'},
    package: {schema: {kind: 'string'}, doc: 'the Debian package that provides the tool when the platform lacks it'},
  },
  read: (raw: Raw): PuppetSettings => ({
    ...(raw.package !== undefined ? {package: String(raw.package)} : {}),
    manifest: String(raw.manifest ?? ''),
    ...(raw.modulepath !== undefined ? {modulepath: stringList(raw.modulepath)} : {}),
  }),
  kitchen: {plugins: ['puppet_apply'], map: mapPuppet},
  steps: puppetSteps,
})
