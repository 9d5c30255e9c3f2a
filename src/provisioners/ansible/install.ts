/**
 * The step that makes Ansible available in the instance: Debian's ansible-core, or its full
 * `ansible` package (with the community collections) when the playbooks need it, from the
 * platform's apt; or, with `ansible_version:`, that version from pip in a virtual environment,
 * which needs the network.
 */
import type {InstanceSpec} from '../../config/types.js'
import type {Verdict} from '../../model.js'
import {installStep, type ProvisionStep} from '../step.js'
import {SYSTEMCTL_SHIM} from '../systemctl-stand-in.js'
import type {Flavour} from './modules.js'
import {routingOf, type DebianRelease} from './routing.js'

/** Where Galley keeps Ansible's dependencies inside the instance. */
export const ANSIBLE_HOME = '/opt/galley/ansible'
const VENV = `${ANSIBLE_HOME}/venv`

const NO_APT = 100
const PIP_FAILED = 20

/** What decides the install: the flavour the playbooks (or `ansible:`) ask for, on which release. */
export interface AnsibleChoice {
  flavour: Flavour
  /** The platform's Debian release, when Galley can tell. */
  release?: DebianRelease
  /** A collection the full package must have (checked when the image already has ansible-playbook). */
  collection?: string
}

/** `2.16` → `==2.16.*`, `2.16.3` → `==2.16.3`; a pip specifier (`>=2.15,<2.17`) stays as written. */
export function pipSpecifier(version: string): string {
  const v = version.trim()
  if (/^[<>=!~]/.test(v)) return v
  return /^\d+\.\d+$/.test(v) ? `==${v}.*` : `==${v}`
}

/** The Debian package that runs the playbooks: `package:` when given, else ansible-core (Debian 11: ansible) or the full ansible. */
export function debianPackage(choice: AnsibleChoice, explicit?: string): string {
  if (explicit) return explicit
  if (choice.flavour === 'full') return 'ansible'
  return choice.release ? routingOf(choice.release).corePackage : 'ansible-core'
}

/** The install step: Debian's packages, or pip when `version` is given. */
export function ansibleInstallStep(spec: InstanceSpec, choice: AnsibleChoice, options: {package?: string; version?: string}): ProvisionStep {
  if (options.version) return pipInstallStep(spec, choice.flavour, options.version)
  const pkg = debianPackage(choice, options.package)
  // python3-apt for the apt module; sudo because plays say `become: true`, and sudo from root asks nothing.
  return installStep(spec, 'ansible', ['ansible-playbook'], [pkg, 'python3-apt', 'sudo'], {
    systemctlShim: true,
    // A platform Galley cannot place may be Debian 11 (or older), which has no ansible-core.
    ...(!options.package && pkg === 'ansible-core' && !choice.release ? {orElse: {'ansible-core': 'ansible'}} : {}),
    ...(!options.package && choice.flavour === 'full' && choice.collection ? {present: `ansible-galaxy collection list ${choice.collection} 2>/dev/null | grep -q '^${choice.collection.replace(/\./g, '\\.')} '`} : {}),
  })
}

/** Why pip failed, from its output: the network, or no release matching the version on this Python. */
export function judgePip(spec: InstanceSpec, what: string, code: number, output: string): Verdict {
  if (code === 0) return {ok: true}
  if (code === NO_APT) return {ok: false, message: `platform \`${spec.platform.name}\` has no apt-get to install python3-venv with: ansible_version: needs a Debian platform`}
  if (code !== PIP_FAILED) return {ok: false, message: `installing python3-venv with apt-get failed (exit ${code}); see the output`}
  if (/Failed to establish a new connection|Name or service not known|Temporary failure in name resolution|Network is unreachable|Could not fetch URL|ConnectTimeout|Read timed out|ProxyError|connection broken/i.test(output)) {
    return {ok: false, message: `pip could not reach its package index to install ${what}: ansible_version: needs the network (or a package index the instance can reach, set with PIP_INDEX_URL in the provisioner's env)`}
  }
  const python = /Requires-Python|python_requires|requires a different Python/i.test(output) ? " for this platform's Python" : ''
  if (/No matching distribution found|Could not find a version that satisfies/i.test(output)) {
    return {ok: false, message: `pip found no release matching ${what}${python}: check ansible_version`}
  }
  return {ok: false, message: `pip install ${what} failed; see the output`}
}

function pipInstallStep(spec: InstanceSpec, flavour: Flavour, version: string): ProvisionStep {
  const specifier = pipSpecifier(version)
  const packages = [`ansible-core${specifier}`, ...(flavour === 'full' ? ['ansible'] : [])]
  const what = packages.join(' ')
  const script = [
    `if [ -x ${VENV}/bin/ansible-playbook ]; then echo "galley: ansible from pip is already installed"; else`,
    `command -v apt-get >/dev/null 2>&1 || exit ${NO_APT}`,
    'export DEBIAN_FRONTEND=noninteractive',
    'apt-get update -q && apt-get install -y -q --no-install-recommends python3-venv python3-apt sudo && apt-get clean || exit 1',
    // System packages stay visible (python3-apt for the apt module); pip's go first.
    `python3 -m venv --system-site-packages ${VENV} || exit 1`,
    `${VENV}/bin/pip install --disable-pip-version-check --no-input --retries 2 --timeout 20 "$@" || exit ${PIP_FAILED}`,
    'fi',
    `for b in ${VENV}/bin/ansible*; do ln -sf "$b" /usr/local/bin/; done`,
    `if ! command -v systemctl >/dev/null 2>&1 && [ ! -d /run/systemd/system ]; then cat > /usr/local/bin/systemctl <<'GALLEY_EOF'\n${SYSTEMCTL_SHIM}GALLEY_EOF\nchmod 755 /usr/local/bin/systemctl; fi`,
  ].join('\n')
  return {
    kind: 'step',
    name: `install ${what} with pip`,
    argv: ['/bin/sh', '-c', script, 'galley', ...packages],
    env: {},
    expected: 0,
    command: `pip install ${packages.map((p) => `'${p}'`).join(' ')}`,
    judge: (code, output) => judgePip(spec, what, code, output),
    cache: {env: {}, settings: {install: 'ansible', pip: packages}, paths: []},
  }
}
