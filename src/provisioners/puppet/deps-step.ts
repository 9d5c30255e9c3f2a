/**
 * The step that puts a suite's Puppet module dependencies into a folder on the modulepath: Debian's
 * packages with apt, git repositories cloned, tarballs and Forge modules with `puppet module
 * install` (tarballs without their dependencies, which Galley resolved; Forge modules with theirs,
 * which only the Forge knows). A module that cannot be had fails the step, named.
 */
import type {Verdict} from '../../model.js'
import {inProject, type ProvisionStep} from '../step.js'
import type {PuppetDeps, Source} from './deps.js'
import {moduleDir} from './versions.js'

/** Where the dependencies go inside the instance. */
export const DEPS_DIR = '/opt/galley/puppet/modules'
/** Debian's module folders: they stay on the modulepath whatever `modulepath:` says. */
export const DEBIAN_MODULEPATH = ['/etc/puppet/code/modules', '/usr/share/puppet/modules']

const FAILED = 30
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

const FROM: Record<Source['how'], string> = {debian: "Debian's packages", forge: 'the Forge', tarball: 'its tarball', git: 'its git repository', project: 'the project'}

/** Names the module whose install failed, who needed it, and why. */
export function judgeDeps(deps: PuppetDeps, code: number, output: string): Verdict {
  if (code === 0) return {ok: true}
  const failed = /galley: could not install (.+)$/m.exec(output)?.[1]?.trim()
  const sources = deps.sources.filter((s) => failed !== undefined && failed.split(' ').includes(s.name))
  if (code !== FAILED || sources.length === 0) return {ok: false, message: `installing the Puppet modules failed (exit ${code}); see the output`}
  const how = sources[0].how
  const unreachable = /Could not connect|getaddrinfo|Name or service not known|Temporary failure in name resolution|Failed to open TCP connection|Network is unreachable/i.test(output)
  const notFound = /Could not execute operation for|No releases matching|Unable to locate package|has no installation candidate|Could not install module/i.test(output)
  const why = how === 'forge' && unreachable ? 'the Forge could not be reached' : how === 'forge' && notFound ? 'the Forge has no release that fits' : how === 'debian' && notFound ? "the platform's apt has no such package" : 'see the output'
  const names = sources.map((s) => `${s.name}${s.how === 'forge' && s.range ? ` (${s.range})` : ''}, needed by ${s.by}`).join('; ')
  return {ok: false, message: `Puppet module ${names} could not be installed from ${FROM[how]}: ${why}${how === 'forge' ? forgeWayOut(deps, sources) : ''}`}
}

/** What a suite may set when a Forge module cannot be had: Debian's package out of range, or no module at all. */
function forgeWayOut(deps: PuppetDeps, sources: Source[]): string {
  const packaged = sources.flatMap((s) => (deps.debianOutOfRange[s.name] ? [`${deps.debianOutOfRange[s.name][0]} ${deps.debianOutOfRange[s.name][1]}`] : []))
  const debian = packaged.length ? ` Debian has ${packaged.join(', ')}, outside the range: \`dependencies: {accept_debian: true}\` takes it.` : ''
  return `.${debian} If this platform's code does not use it, \`dependencies: {skip: [${sources.map((s) => s.name).join(', ')}]}\` leaves it out.`
}

/** The dependencies step, or none when nothing is to be installed. */
export function depsStep(deps: PuppetDeps, modulepath: string[], env: Record<string, string>): ProvisionStep | undefined {
  if (deps.sources.length === 0) return undefined
  const of = <H extends Source['how']>(how: H) => deps.sources.filter((s): s is Extract<Source, {how: H}> => s.how === how)
  const lookIn = [DEPS_DIR, ...modulepath, ...DEBIAN_MODULEPATH].join(':')
  const debian = of('debian')
  const git = of('git')
  const lines = [
    `mkdir -p ${DEPS_DIR}`,
    'fail() { echo "galley: could not install $1" >&2; exit ' + FAILED + '; }',
    'export DEBIAN_FRONTEND=noninteractive',
    ...(debian.length || git.length
      ? [
          `need=${sq(debian.map((s) => s.package).join(' '))}`,
          ...(git.length ? ['command -v git >/dev/null 2>&1 || need="$need git"'] : []),
          `if [ -n "$need" ]; then { apt-get update -q && apt-get install -y -q --no-install-recommends $need && apt-get clean; } || fail ${sq(debian.map((s) => s.name).join(' ') || git.map((s) => s.name).join(' '))}; fi`,
        ]
      : []),
    // Repositories in the project may belong to another user than the instance's root.
    ...(git.length ? ["export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*'"] : []),
    ...git.map((s) => {
      const dir = `${DEPS_DIR}/${moduleDir(s.name)}`
      return `{ rm -rf ${sq(dir)} && git clone -q ${sq(s.url)} ${sq(dir)}${s.ref ? ` && git -C ${sq(dir)} checkout -q ${sq(s.ref)}` : ''}; } || fail ${sq(s.name)}`
    }),
    ...of('tarball').map((s) => `puppet module install --color=false --target-dir ${DEPS_DIR} --ignore-dependencies --force ${sq(inProject(s.file))} || fail ${sq(s.name)}`),
    ...of('project').map((s) => `ln -sfn /tmp/galley ${sq(`${DEPS_DIR}/${moduleDir(s.name)}`)}`),
    ...of('forge').map((s) => `puppet module install --color=false --target-dir ${DEPS_DIR} --modulepath ${sq(lookIn)} ${sq(s.name)}${s.range ? ` --version ${sq(s.range)}` : ''} || fail ${sq(s.name)}`),
  ]
  const from = (s: Source) => (s.how !== 'debian' ? FROM[s.how] : s.outside !== undefined ? `${s.package} ${s.version}, outside ${s.outside}` : s.package)
  const summary = deps.sources.map((s) => `${s.name} (${from(s)})`).join(', ') + (deps.skipped.length ? `; skipped: ${deps.skipped.join(', ')}` : '')
  return {
    kind: 'step',
    name: 'install Puppet modules',
    argv: ['/bin/sh', '-c', lines.join('\n')],
    env,
    expected: 0,
    command: `puppet module install ${summary}`,
    judge: (code, output) => judgeDeps(deps, code, output),
    cache: {env, settings: {modules: deps.sources.map(({by: _by, ...s}) => s)}, paths: deps.files},
  }
}
