/**
 * One Molecule scenario as a Galley suite: its platforms, its playbooks as steps in Molecule's
 * order (prepare, converge, side_effect), idempotence when test_sequence has it, the verifier, the
 * galaxy requirements, the inventory's variables and the env; every other setting is reported.
 */
import path from 'node:path'
import {targetHost} from '../import/systemd.js'
import {isObject, posOf, type Raw} from '../import/tree.js'
import {Section, type MoleculeImport} from './context.js'
import {mapDependency} from './dependency.js'
import {galleyName, mapPlatform, type PlatformOut} from './platforms.js'
import {mapInventory, playbookOf, provisionerLeftovers, readEnv, rolesPathOf, type Scenario} from './provisioner.js'
import type {ScenarioFile} from './read.js'
import {mapVerifier} from './verifier.js'

export interface ScenarioOut {
  /** The suite's name. */
  name: string
  platforms: PlatformOut[]
  /** Each platform's inventory variables, by its Galley name. */
  vars: Map<string, Raw>
  provisioner: Raw
  verifier: Raw
}

/** Molecule's default test_sequence (v6 and later: no lint). */
const DEFAULT_SEQUENCE = ['dependency', 'cleanup', 'destroy', 'syntax', 'create', 'prepare', 'converge', 'idempotence', 'side_effect', 'verify', 'cleanup', 'destroy']
const ACTIONS = new Set(['check', 'cleanup', 'converge', 'create', 'dependency', 'destroy', 'idempotence', 'lint', 'prepare', 'side_effect', 'syntax', 'test', 'verify'])
const NO_DRIVER = new Set(['docker', 'podman', 'containers', 'default', 'delegated', 'lxd', 'molecule-podman', 'molecule-docker'])

const TOP: Record<string, string> = {
  lint: 'Galley does not lint: run yamllint or ansible-lint as a step of your CI of their own',
  role_name_check: 'Galley checks no role names: the role under test is on the roles path under its folder name and its Galaxy names',
  log: "Galley keeps each run's output in .galley/logs/",
  shared_state: 'Galley makes containers per instance; there is no state to share between scenarios',
}

/** The scenario's test_sequence as written (checked), else Molecule's default. */
function sequenceOf(imp: MoleculeImport, sc: Section | undefined): string[] {
  const written = sc?.list('test_sequence')
  if (!written) return DEFAULT_SEQUENCE
  for (const [i, action] of written.entries()) {
    if (ACTIONS.has(action)) continue
    imp.report('unmapped', posOf(sc!.obj.test_sequence as object, i) ?? sc!.at('test_sequence'), `${sc!.key('test_sequence')}[${i}]`, `\`${action}\` is not a Molecule action; ignored`)
  }
  const at = sc!.at('test_sequence')
  if (written.includes('lint')) imp.report('unmapped', at, sc!.key('test_sequence'), 'lint: Galley does not lint (run linters as a CI step of their own)')
  return written
}

/**
 * With --bootstrap, the platforms it cannot build are left out (reported), unless none of the
 * scenario's can be built: then all are kept as engine images for Docker and Podman.
 */
function keepBuildable(imp: MoleculeImport, platforms: PlatformOut[]): void {
  const buildable = platforms.filter((p) => !p.leftOut)
  for (const p of platforms) {
    if (!p.leftOut) continue
    if (buildable.length > 0) imp.report('unmapped', p.leftOut.at, p.leftOut.key, p.leftOut.reason)
    else imp.report('note', p.leftOut.at, p.leftOut.key, `platform \`${p.name}\` keeps the engine image \`${p.leftOut.ref}\`: no platform of this scenario can be built with --bootstrap, so it runs on Docker or Podman only`)
    delete p.leftOut
  }
  if (buildable.length > 0) platforms.splice(0, platforms.length, ...buildable)
}

export function mapScenario(imp: MoleculeImport, file: ScenarioFile, molecule: Record<string, string>, moleculeEnv: Record<string, string>): ScenarioOut {
  const top = new Section(imp, file.tree, '', {file: file.display, line: 1, col: 1})
  const at1 = {file: file.display, line: 1, col: 1}
  const sub = (k: string) => top.section(k)
  const scenario = sub('scenario')
  const name = galleyName(imp, scenario?.str('name') ?? file.dirName, scenario?.has('name') ? scenario.at('name') : at1, 'scenario.name', 'default')
  const driverSec = sub('driver')
  const driver = driverSec?.str('name') ?? 'default'
  const s: Scenario = {imp, dir: file.dir, name, file: file.display, driver, molecule}
  if (driverSec && !NO_DRIVER.has(driver) && !driver.startsWith('molecule-')) {
    imp.report('unmapped', driverSec.at('name'), 'driver.name', `the ${driver} driver makes machines Galley does not; Galley runs containers (LXC, Docker, Podman), so each platform got a container image`)
  }
  driverSec?.leftovers({options: "Molecule's driver options (managed, login_cmd_template ...) have no meaning for Galley's containers"}, "a driver setting with no meaning for Galley's containers")

  const sequence = sequenceOf(imp, scenario)
  scenario?.leftovers({}, `used by other molecule commands; galley test follows test_sequence`)
  const runs = (action: string) => sequence.includes(action)

  // Platforms, for the engine the scenario names.
  const host = targetHost(imp.host.driver, /podman/.test(driver) ? 'podman' : 'docker', imp.host.cgroupVersion)
  const platforms: PlatformOut[] = []
  const list = top.take('platforms')
  if (Array.isArray(list)) {
    list.forEach((item, i) => {
      const itemAt = posOf(list, i) ?? top.at('platforms')
      if (!isObject(item)) return imp.report('unmapped', itemAt, `platforms[${i}]`, 'not a mapping with a name: Molecule would reject it; left out')
      const p = mapPlatform(imp, new Section(imp, item, `platforms[${typeof item.name === 'string' ? item.name : i}]`, itemAt), i, host)
      if (p && platforms.some((q) => q.name === p.name)) imp.report('unmapped', itemAt, `platforms[${i}]`, `a second platform named \`${p.name}\`; left out`)
      else if (p) platforms.push(p)
    })
  } else if (list !== undefined) {
    imp.report('unmapped', top.at('platforms'), 'platforms', 'must be a list of platforms; not imported')
  }
  keepBuildable(imp, platforms)
  if (platforms.length > 1) {
    imp.report('note', top.at('platforms'), 'platforms', `Molecule converges the platforms of a scenario in one ansible-playbook run; Galley converges each instance on its own: plays that look at other hosts (hostvars, groups, delegate_to) see only their own`)
  }

  // The provisioner (or the newer ansible: section), its playbooks and inventory.
  const prov = sub('provisioner')
  const ansibleSec = sub('ansible')
  const provName = prov?.str('name') ?? 'ansible'
  if (prov && provName !== 'ansible') imp.report('unmapped', prov.at('name'), 'provisioner.name', `the ${provName} provisioner is not one Galley knows; playbooks were read as Ansible's`)
  const playbooks = prov?.section('playbooks') ?? ansibleSec?.section('playbooks')
  const pick = (action: 'prepare' | 'converge' | 'side_effect') => (runs(action) ? playbookOf(s, playbooks, action) : undefined)
  const prepare = pick('prepare')
  const converge = pick('converge')
  const sideEffect = pick('side_effect')
  if (runs('converge') && !converge) imp.report('unmapped', playbooks?.at('converge') ?? at1, 'converge playbook', `no converge playbook (looked for ${path.relative(process.cwd(), path.join(file.dir, 'converge.yml'))}); the suite has no playbook to run`)
  for (const action of ['cleanup', 'create', 'destroy'] as const) {
    const extra = playbookOf(s, playbooks, action)
    if (!extra) continue
    const why = action === 'cleanup' ? 'Molecule runs it before destroying the instances; Galley destroys the container, with whatever the playbook cleans inside it' : 'Galley creates and destroys its containers itself; what this playbook does to make or remove them is not run'
    imp.report('unmapped', extra.at, extra.key, `the ${action} playbook is not run: ${why}`)
  }
  const inventory = mapInventory(s, prov?.section('inventory'))
  const env = {...moleculeEnv, ...readEnv(s, prov?.section('env')), ...readEnv(s, ansibleSec?.section('env'))}
  const rolesPath: string[] = []
  if (env.ANSIBLE_ROLES_PATH !== undefined) {
    const envSec = prov?.has('env') ? prov : ansibleSec
    rolesPath.push(...rolesPathOf(s, env.ANSIBLE_ROLES_PATH, (envSec?.section('env') ?? envSec)?.at('ANSIBLE_ROLES_PATH') ?? at1, 'provisioner.env.ANSIBLE_ROLES_PATH'))
    delete env.ANSIBLE_ROLES_PATH
  }
  provisionerLeftovers(prov)
  provisionerLeftovers(ansibleSec)

  const requirements = mapDependency(s, sub('dependency'), runs('dependency'))
  const prerun = top.bool('prerun') ?? true
  if (prerun) {
    for (const f of ['requirements.yml', 'roles/requirements.yml', 'collections/requirements.yml']) {
      const abs = path.join(imp.root, f)
      if (!imp.exists(abs)) continue
      const rel = imp.relPath(abs, {file: path.relative(process.cwd(), abs) || abs, line: 1, col: 1}, 'prerun')
      if (rel && !requirements.includes(rel)) requirements.push(rel)
      imp.report('note', {file: path.relative(process.cwd(), abs) || abs, line: 1, col: 1}, 'prerun', "Molecule's prerun installs the project's requirements; Galley's provisioner installs them in the instance")
    }
  }
  const verifier = mapVerifier(s, sub('verifier'), playbooks, runs('verify'))
  playbooks?.leftovers({}, 'not an action whose playbook galley test runs')
  top.leftovers(TOP, 'not a Molecule setting Galley knows')

  const provisioner: Raw = {}
  if (verifier.steps.length > 0) provisioner.steps = verifier.steps
  if (converge) {
    provisioner.name = 'ansible'
    if (prepare) provisioner.prepare = [prepare.rel]
    provisioner.playbook = converge.rel
    if (sideEffect) provisioner.side_effect = [sideEffect.rel]
    if (rolesPath.length > 0) provisioner.roles_path = rolesPath.length === 1 ? rolesPath[0] : rolesPath
    if (requirements.length > 0) provisioner.requirements = requirements
    if (runs('idempotence')) provisioner.idempotence = true
  } else if (prepare || sideEffect) {
    imp.report('unmapped', (prepare ?? sideEffect)!.at, (prepare ?? sideEffect)!.key, 'without a converge playbook there is no ansible provisioner to run it')
  }
  if (Object.keys(env).length > 0) provisioner.env = env
  return {name, platforms, vars: new Map(platforms.map((p) => [p.name, inventory.varsFor(p)])), provisioner, verifier: verifier.verifier}
}
