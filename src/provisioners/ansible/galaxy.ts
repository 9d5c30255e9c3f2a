/**
 * The requirements step: ansible-galaxy installs the collections, then the roles, that the
 * requirement files name, into folders inside the instance that the playbook steps point
 * ANSIBLE_COLLECTIONS_PATH and ANSIBLE_ROLES_PATH at. Its cache key covers the requirement files
 * and what the local sources hold (a tarball's or folder's bytes, a git repository's commit), so
 * editing a playbook never reinstalls them, and changing a requirement does.
 */
import {stringify} from 'yaml'
import type {Verdict} from '../../model.js'
import type {ProvisionStep} from '../step.js'
import {ANSIBLE_HOME} from './install.js'
import type {Requirement, Requirements} from './requirements.js'
import {DEFAULT_RELEASE, routingOf, type DebianRelease} from './routing.js'

export const COLLECTIONS_DIR = `${ANSIBLE_HOME}/collections`
export const ROLES_DIR = `${ANSIBLE_HOME}/roles`
const WORK = '/tmp/galley-ansible'

const COLLECTIONS_FAILED = 10
const ROLES_FAILED = 11
const NO_GIT = 12

const place = (r: Requirement) => `${r.file}:${r.line}`
const named = (list: Requirement[]) => list.map((r) => `\`${r.label}\` (${place(r)})`).join(', ')

/** The reason ansible-galaxy gave: its ERROR! line, or a role's "was NOT installed successfully" warning. */
function reasonIn(output: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim())
  const role = lines.find((l) => /was NOT installed successfully/.test(l))
  const error = lines.filter((l) => l.startsWith('ERROR!') && !/--ignore-errors/.test(l)).at(-1)
  return (role ?? error)?.replace(/^\[WARNING\]:\s*-?\s*/, '').replace(/^ERROR!\s*/, '')
}

/**
 * When Galaxy is out of reach for collections Debian's full `ansible` package carries (as the
 * routing snapshot of the platform's release lists them, or of the default release for a platform
 * that is no Debian release Galley knows), what to do instead: no requirements at all when they
 * name nothing else, or leave those out.
 */
function debianInstead(reqs: Requirements, culprits: Requirement[], release: DebianRelease | undefined): string {
  const shipped = routingOf(release ?? DEFAULT_RELEASE).collections
  const carried = (r: Requirement) => r.kind === 'collection' && r.fqcn !== undefined && shipped.has(r.fqcn)
  const provided = culprits.filter(carried)
  if (provided.length === 0) return ''
  const names = provided.map((r) => r.fqcn).join(', ')
  const all = [...reqs.collections, ...reqs.roles].every(carried)
  const instead = all ? 'set `requirements: none` and `ansible: full`' : `leave ${provided.length > 1 ? 'them' : 'it'} out of the requirements and set \`ansible: full\``
  return `. Debian's full ansible provides ${names}: ${instead}`
}

/** Names the requirements a failed ansible-galaxy run was about (`release`: the platform's, for what Debian's ansible carries). */
export function judgeGalaxy(reqs: Requirements, code: number, output: string, release?: DebianRelease): Verdict {
  if (code === 0) return {ok: true}
  const git = [...reqs.collections, ...reqs.roles].filter((r) => r.source === 'git')
  if (code === NO_GIT) return {ok: false, message: `git is needed for ${named(git)} and could not be installed with apt-get; see the output`}
  const phase = code === COLLECTIONS_FAILED ? reqs.collections : code === ROLES_FAILED ? reqs.roles : []
  const what = code === ROLES_FAILED ? 'role' : 'collection'
  const reason = reasonIn(output)
  const failing = output.split('\n').filter((l) => /ERROR!|NOT installed|^\s*\*\s|Failed|failed/.test(l)).join('\n')
  const mentioned = phase.filter((r) => [r.label, r.fqcn, String(r.entry.name ?? ''), String(r.entry.src ?? '')].some((n) => n && failing.includes(n)))
  const galaxy = phase.filter((r) => r.source === 'galaxy')
  const cannotReach = /urlopen error|Name or service not known|Temporary failure in name resolution|Network is unreachable|Connection refused|timed out/i.test(output)
  const culprits = mentioned.length ? mentioned : cannotReach && galaxy.length ? galaxy : phase
  if (culprits.length === 0) return {ok: false, message: `ansible-galaxy failed (exit ${code}); see the output`}
  const plural = culprits.length > 1 ? 's' : ''
  const unreachable = cannotReach && culprits.every((r) => r.source === 'galaxy')
  const because = unreachable ? `Galaxy could not be reached${debianInstead(reqs, culprits, release)}` : (reason ?? 'see the output')
  return {ok: false, message: `${what} requirement${plural} ${named(culprits)} could not be installed: ${because}`}
}

/** The step that installs the requirements (none when they name nothing); `release`: the platform's Debian release. */
export function galaxyStep(reqs: Requirements, env: Record<string, string>, release?: DebianRelease): ProvisionStep | undefined {
  if (reqs.collections.length === 0 && reqs.roles.length === 0) return undefined
  const file = (key: string, list: Requirement[]) => (list.length ? stringify({[key]: list.map((r) => r.entry)}) : '')
  const collections = file('collections', reqs.collections)
  const roles = file('roles', reqs.roles)
  const needsGit = [...reqs.collections, ...reqs.roles].some((r) => r.source === 'git')
  const script = [
    `mkdir -p ${COLLECTIONS_DIR} ${ROLES_DIR} ${WORK}`,
    `if [ "$3" = 1 ] && ! command -v git >/dev/null 2>&1; then`,
    '  echo "galley: installing git for the requirements from git repositories"',
    `  command -v apt-get >/dev/null 2>&1 || exit ${NO_GIT}`,
    `  export DEBIAN_FRONTEND=noninteractive; { apt-get update -q && apt-get install -y -q --no-install-recommends git && apt-get clean; } || exit ${NO_GIT}`,
    'fi',
    `if [ -n "$1" ]; then printf '%s\\n' "$1" > ${WORK}/collections.yml`,
    `  ansible-galaxy collection install -r ${WORK}/collections.yml -p ${COLLECTIONS_DIR} || exit ${COLLECTIONS_FAILED}`,
    'fi',
    `if [ -n "$2" ]; then printf '%s\\n' "$2" > ${WORK}/roles.yml`,
    `  ansible-galaxy role install -r ${WORK}/roles.yml -p ${ROLES_DIR} || exit ${ROLES_FAILED}`,
    'fi',
  ].join('\n')
  const local = [...reqs.collections, ...reqs.roles].filter((r) => r.local !== undefined && r.source !== 'git').map((r) => r.local!)
  const commits = Object.fromEntries([...reqs.collections, ...reqs.roles].filter((r) => r.source === 'git' && r.local !== undefined).map((r) => [r.local!, r.commit ?? 'unreadable']))
  return {
    kind: 'step',
    name: `install ${reqs.files.join(', ')}`,
    argv: ['/bin/sh', '-c', script, 'galley', collections, roles, needsGit ? '1' : '0'],
    env,
    expected: 0,
    command: [collections && 'ansible-galaxy collection install -r', roles && 'ansible-galaxy role install -r'].filter(Boolean).map((c) => `${c} ${reqs.files.join(' ')}`).join(' && '),
    source: {file: reqs.files[0]},
    judge: (code, output) => judgeGalaxy(reqs, code, output, release),
    // Not the instance's own variables: suites with the same requirements share the install.
    cache: {env, settings: {requirements: {collections, roles}, commits}, paths: [...reqs.files, ...new Set(local)]},
  }
}
