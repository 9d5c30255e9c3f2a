/**
 * The puppet provisioner: `puppet apply` of the manifest inside the instance, with Debian's puppet
 * when the platform lacks one, after the modules it depends on (metadata.json, a Puppetfile,
 * tarballs) are installed in their own cached step. `--detailed-exitcodes`: 0 nothing changed,
 * 2 changes, 4 or 6 failures.
 */
import {existsSync} from 'node:fs'
import path from 'node:path'
import type {InstanceSpec} from '../../config/types.js'
import {releaseOf} from '../debian.js'
import {defineProvisioner, pathProblem, stringList, type Raw} from '../plugin.js'
import {inProject, installStep, stepEnv, type ProvisionStep} from '../step.js'
import {resolvePuppetDeps, type PuppetDeps} from './deps.js'
import {DEBIAN_MODULEPATH, DEPS_DIR, depsStep} from './deps-step.js'
import {mapPuppet} from './kitchen.js'
import {moduleKeyPaths} from './module-files.js'
import {judgePuppet, judgePuppetSecondRun} from './output.js'

export interface PuppetSettings {
  package?: string
  /** A manifest file, or a folder of them. */
  manifest: string
  /** Project folders, or absolute folders inside the instance. */
  modulepath?: string[]
  /** A Puppetfile; undefined: ./Puppetfile when there is one; `none`: none. */
  puppetfile?: string
  /** Module tarballs in the project. */
  tarballs?: string[]
  /** `dependencies:`: modules not to install, and whether Debian's package will do out of range. */
  dependencies?: {skip?: string[]; acceptDebian?: boolean}
}

function readDependencies(raw: Raw): NonNullable<PuppetSettings['dependencies']> {
  return {...(raw.skip !== undefined ? {skip: stringList(raw.skip)} : {}), ...(raw.accept_debian !== undefined ? {acceptDebian: raw.accept_debian === true} : {})}
}

const inInstance = (dir: string) => (path.isAbsolute(dir) ? dir : inProject(dir))

/** The Puppetfile a suite reads. */
const puppetfileOf = (root: string, p: PuppetSettings) => (p.puppetfile === 'none' ? undefined : (p.puppetfile ?? (existsSync(path.join(root, 'Puppetfile')) ? 'Puppetfile' : undefined)))

function depsOf(spec: InstanceSpec, p: PuppetSettings, root: string): PuppetDeps {
  const {skip, acceptDebian} = p.dependencies ?? {}
  return resolvePuppetDeps(root, {modulepath: p.modulepath, puppetfile: puppetfileOf(root, p), tarballs: p.tarballs, release: releaseOf(spec.platform.image), skip, acceptDebian})
}

function puppetSteps(spec: InstanceSpec, p: PuppetSettings, root: string): ProvisionStep[] {
  const manifest = p.manifest
  const env = {LANG: 'C.UTF-8', ...spec.provisioner.env}
  const given = (p.modulepath ?? []).map(inInstance)
  const resolved = depsOf(spec, p, root)
  // Not the instance's own variables: suites with the same dependencies share the step.
  const deps = depsStep(resolved, given, {LANG: 'C.UTF-8', ...spec.provisioner.env})
  const modules = moduleKeyPaths(root, resolved.sources.some((s) => s.how === 'project'), p.modulepath ?? [])
  const modulepath = p.modulepath || deps ? [...given, ...(deps ? [DEPS_DIR] : []), ...DEBIAN_MODULEPATH] : undefined
  const argv = ['puppet', 'apply', '--detailed-exitcodes', '--color=false', ...(modulepath ? [`--modulepath=${modulepath.join(':')}`] : []), inProject(manifest)]
  return [
    installStep(spec, 'puppet', ['puppet'], [p.package ?? 'puppet']),
    ...(deps ? [deps] : []),
    {
      kind: 'step',
      name: manifest,
      argv,
      env,
      expected: 0,
      command: `puppet apply ${manifest}`,
      judge: (code) => judgePuppet(code),
      // A manifest folder is read whole; a manifest file with its folder (files it sources, imports);
      // then every module the project holds, by name too (a renamed hiera.yaml is another module).
      cache: {env: stepEnv(spec, env), settings: {manifest, modulepath: p.modulepath ?? null, modules}, paths: [path.dirname(manifest), manifest, ...modules]},
      recheck: {kind: 'idempotence', name: manifest, argv, env, expected: 0, judge: (code, output) => judgePuppetSecondRun(manifest, code, output)},
    },
  ]
}

export const puppet = defineProvisioner<PuppetSettings>({
  name: 'puppet',
  summary: "`puppet apply` of a manifest inside the instance, with Debian's puppet when the platform lacks one and the modules it depends on",
  settings: {
    manifest: {schema: {kind: 'string'}, files: 'either', required: true, doc: 'a manifest file, or a folder of manifests'},
    modulepath: {schema: {kind: 'strings'}, doc: "folders of modules: in the project, or absolute folders inside the instance (Debian's module folders stay on the path)"},
    puppetfile: {schema: {kind: 'string'}, doc: 'a Puppetfile whose modules are installed before the manifest is applied (default: Puppetfile when present; none: none)'},
    tarballs: {schema: {kind: 'strings'}, files: 'file', doc: 'module tarballs in the project, installed with puppet module install'},
    package: {schema: {kind: 'string'}, doc: 'the Debian package that provides the tool when the platform lacks it'},
    dependencies: {
      schema: {
        kind: 'map',
        keys: {skip: {kind: 'strings'}, accept_debian: {kind: 'bool'}},
        docs: {skip: 'modules not to install though metadata.json or the Puppetfile asks for them (author/name, or name for any author)', accept_debian: "take Debian's puppet-module-* package even when its version is outside the range asked for"},
      },
      doc: "how the modules' dependencies are installed: skip (modules this platform's code does not use) and accept_debian (Debian's package whatever its version)",
    },
  },
  read: (raw: Raw): PuppetSettings => ({
    ...(raw.package !== undefined ? {package: String(raw.package)} : {}),
    manifest: String(raw.manifest ?? ''),
    ...(raw.modulepath !== undefined ? {modulepath: stringList(raw.modulepath)} : {}),
    ...(raw.puppetfile !== undefined ? {puppetfile: String(raw.puppetfile)} : {}),
    ...(raw.tarballs !== undefined ? {tarballs: stringList(raw.tarballs)} : {}),
    ...(raw.dependencies !== undefined ? {dependencies: readDependencies(raw.dependencies as Raw)} : {}),
  }),
  check(p, spec, check) {
    for (const dir of (p.modulepath ?? []).filter((d) => !path.isAbsolute(d))) {
      const problem = pathProblem(check.root, dir, 'folder')
      if (problem) check.error(`modulepath \`${dir}\` ${problem}`, {key: 'modulepath', value: dir}, 'Relative paths are project folders; absolute ones are folders inside the instance.')
    }
    if (p.puppetfile && p.puppetfile !== 'none') {
      const problem = pathProblem(check.root, p.puppetfile, 'file')
      if (problem) return check.error(`puppetfile \`${p.puppetfile}\` ${problem}`, {key: 'puppetfile', value: p.puppetfile}, '`puppetfile: none` reads none.')
    }
    if ((p.tarballs ?? []).some((t) => pathProblem(check.root, t, 'file'))) return
    const puppetfile = puppetfileOf(check.root, p)
    const deps = depsOf(spec, p, check.root)
    for (const name of deps.unknownSkips) {
      check.error(`dependencies.skip names \`${name}\`, which no metadata.json or Puppetfile of this suite asks to install`, {key: 'skip', value: name}, 'Write the module as metadata.json names it (author/name), or drop it from skip.')
    }
    for (const problem of deps.problems) {
      const key = problem.file === puppetfile ? 'puppetfile' : (p.tarballs ?? []).includes(problem.file) ? 'tarballs' : 'manifest'
      check.error(problem.message, {key, ...(key === 'tarballs' ? {value: problem.file} : {})}, problem.hint)
    }
  },
  kitchen: {plugins: ['puppet_apply'], map: mapPuppet},
  steps: puppetSteps,
})
