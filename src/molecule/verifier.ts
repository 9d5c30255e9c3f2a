/**
 * Molecule's verifiers: ansible (verify.yml) becomes Galley's ansible verifier; testinfra a junit
 * entry running pytest with --junitxml inside the instance (after a step that installs it); goss
 * and inspec are reported.
 */
import {readdirSync} from 'node:fs'
import path from 'node:path'
import type {Raw} from '../import/tree.js'
import type {Section} from './context.js'
import {playbookOf, readEnv, type Scenario} from './provisioner.js'

export interface VerifierOut {
  verifier: Raw
  /** Shell steps the verifier needs installed first (testinfra). */
  steps: Raw[]
}

const REPORT = '/tmp/galley-testinfra/report.xml'
const INVENTORY = '/tmp/galley-testinfra/inventory.yml'

/** Installs pytest and testinfra from the platform's apt when they are missing. */
const INSTALL_TESTINFRA = {
  name: 'install testinfra',
  run: 'python3 -c "import testinfra, pytest" 2>/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends python3-pytest python3-testinfra; }',
}

/** Molecule's options mapping as command-line arguments, as Molecule writes them (`v: true` is -v, `sudo: true` is --sudo). */
function optionArgs(options: Raw): string[] {
  return Object.entries(options).flatMap(([k, v]) => {
    if (v === false || v === null || v === undefined) return []
    const flag = k.length === 1 ? `-${k}` : `--${k}`
    if (v === true) return [flag]
    if (typeof v === 'number' && k.length === 1 && /^[vq]$/.test(k)) return [`-${k.repeat(Math.max(1, v))}`]
    return k.length === 1 ? [flag, String(v)] : [`${flag}=${String(v)}`]
  })
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`)

function mapTestinfra(s: Scenario, v: Section): VerifierOut {
  const dirWritten = v.str('directory')
  const dir = path.resolve(s.dir, dirWritten ?? 'tests')
  const at = v.has('directory') ? v.at('directory') : v.pos
  const extra = (v.list('additional_files_or_dirs') ?? []).map((f) => path.resolve(dir, f))
  const options = v.section('options')
  const tests = (s.imp.exists(dir) ? readdirSync(dir).filter((f) => /^test_.*\.py$/.test(f)) : []).length
  if (tests === 0 && extra.length === 0) {
    s.imp.report('unmapped', at, v.key(dirWritten ? 'directory' : 'name'), `testinfra finds no test_*.py in ${path.relative(s.imp.root, dir) || '.'}; no tests were made`)
    return {verifier: {}, steps: []}
  }
  const paths = [dir, ...extra].map((f) => s.imp.relPath(f, at, v.key('directory'))).filter((f): f is string => f !== undefined)
  const args = ['-p', 'no:cacheprovider', `--junitxml=${REPORT}`, '--connection=ansible', `--ansible-inventory=${INVENTORY}`, '--hosts=all', ...optionArgs(options?.obj ?? {}), ...paths]
  if (options) s.imp.report('note', v.at('options'), v.key('options'), `passed to pytest as ${optionArgs(options.obj).join(' ') || 'nothing'}, as Molecule does`)
  // The instance's own inventory, with a local connection, for test files that read MOLECULE_INVENTORY_FILE as Molecule sets it.
  const run = [
    `mkdir -p /tmp/galley-testinfra && printf 'all:\\n  hosts:\\n    %s:\\n      ansible_connection: local\\n      ansible_python_interpreter: /usr/bin/python3\\n' "$GALLEY_INSTANCE" > ${INVENTORY}`,
    `MOLECULE_INVENTORY_FILE=${INVENTORY} python3 -m pytest ${args.map(quote).join(' ')}`,
  ].join(' && ')
  s.imp.report('note', v.pos, v.where, `testinfra runs inside the instance (pytest with --junitxml, its cases joining the instance's), against the instance through a local connection; a step installs Debian's python3-testinfra first`)
  return {verifier: {junit: [{name: 'testinfra', run, report: REPORT}]}, steps: [INSTALL_TESTINFRA]}
}

/** The scenario's verifier; `runs` is whether test_sequence verifies at all. */
export function mapVerifier(s: Scenario, v: Section | undefined, playbooks: Section | undefined, runs: boolean): VerifierOut {
  const out: VerifierOut = {verifier: {}, steps: []}
  const name = v?.str('name') ?? 'ansible'
  const enabled = v?.bool('enabled') ?? true
  const env = readEnv(s, v?.section('env'))
  if (!runs || !enabled) {
    if (v && !enabled) s.imp.report('note', v.at('enabled'), v.key('enabled'), 'the verifier is disabled, so no tests were made')
    v?.leftovers({}, 'not imported: the verifier does not run')
    return out
  }
  if (name === 'ansible') {
    const verify = playbookOf(s, playbooks, 'verify')
    if (verify) out.verifier.ansible = [verify.rel]
  } else if (name === 'testinfra' && v) {
    Object.assign(out, mapTestinfra(s, v))
  } else if (v) {
    s.imp.report('unmapped', v.at('name'), v.key('name'), `Galley cannot run ${name} tests; port them to the ansible verifier (verify.yml), testinfra, shell tests or assert checks`)
  }
  if (Object.keys(env).length > 0) out.verifier.env = env
  v?.leftovers({lint: 'Galley does not lint tests', additional_files_or_dirs: 'testinfra only'}, "a verifier setting Galley has no place for")
  return out
}
