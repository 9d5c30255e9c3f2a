/**
 * One instance (a suite on a platform): its driver, provisioner and verifier blocks, each with
 * Test Kitchen's levels merged, mapped to galley.yml's settings for it.
 */
import {mapDriver} from './drivers.js'
import {hookSteps, stepsBeforeConverge} from './hooks.js'
import type {Importer} from './importer.js'
import type {Block} from './layers.js'
import type {Raw} from './mapper.js'
import {DEFAULT_PROVISIONER, kitchenProvisioner} from './provisioners.js'
import {mapVerifier} from './verifiers.js'

export interface InstanceOut {
  suite: string
  platform: string
  driver: Raw
  provisioner: Raw
  verifier: Raw
}

export interface Blocks {
  driver: Block
  provisioner: Block
  verifier: Block
  lifecycle: Block
}

/** One instance; `systemd` when its platform boots systemd. */
export function convertInstance(imp: Importer, suite: string, platform: string, blocks: Blocks, systemd: boolean): InstanceOut {
  const driver = mapDriver(imp, blocks.driver, systemd)

  const p = blocks.provisioner
  const kname = (p.has('name') ? imp.str(p, 'name') : DEFAULT_PROVISIONER) ?? 'unknown'
  const provisioner = kitchenProvisioner(kname)
  const nameAt = p.at('name')
  if (!provisioner && nameAt) imp.report('unmapped', nameAt.pos, nameAt.where, `the ${kname} provisioner has no Galley equivalent (Galley has shell, chef_zero/chef_solo/chef_infra, ansible_playbook and puppet_apply equivalents, and itamae); no converge steps were made for it`)
  const before = stepsBeforeConverge(imp, blocks.lifecycle)
  const mapped = provisioner?.map({context: imp, block: p, suite}) ?? {provisioner: {}, steps: [], env: {}}
  const kind = provisioner?.tool ?? 'unsupported'
  const after = hookSteps(imp, blocks.lifecycle, 'post_converge', kind === 'shell' || kind === 'unsupported', `Galley runs shell steps before the ${kind} run, so a command after it cannot be placed; make it a verifier test if it checks something`)
  const steps = [...driver.steps, ...before, ...mapped.steps, ...after]
  const env = {...driver.env, ...mapped.env}
  const out: InstanceOut = {suite, platform, driver: driver.driver, provisioner: mapped.provisioner, verifier: {}}
  if (steps.length > 0) out.provisioner.steps = steps
  if (Object.keys(env).length > 0) out.provisioner.env = {...env}

  const verifier = mapVerifier(imp, blocks.verifier, suite)
  // kitchen-dokken sets the container's environment, which the tests saw too.
  out.verifier = driver.name === 'dokken' && Object.keys(env).length > 0 ? {env: {...env}, ...verifier} : verifier
  return out
}
