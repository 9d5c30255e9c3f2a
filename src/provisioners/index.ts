/** The registry of provisioners: each tool's descriptor, by the name galley.yml gives it. */
import type {InstanceSpec} from '../config/types.js'
import {ansible} from './ansible/index.js'
import {chef} from './chef.js'
import {itamae} from './itamae.js'
import type {Provisioner} from './plugin.js'
import {puppet} from './puppet/index.js'
import {shell, shellSteps} from './shell.js'
import type {ProvisionStep} from './step.js'

export type {ProvisionStep} from './step.js'

export const PROVISIONERS: readonly Provisioner[] = [shell, ansible, puppet, chef, itamae]

export function provisionerNamed(name: string): Provisioner | undefined {
  return PROVISIONERS.find((p) => p.name === name)
}

/** The instance's converge steps, in order: `steps:` (shell), then the recipe tool's install and runs. */
export function provisionSteps(spec: InstanceSpec, root: string): ProvisionStep[] {
  const tool = provisionerNamed(spec.provisioner.name) ?? shell
  return [...shellSteps(spec), ...tool.steps(spec, spec.provisioner.options, root)]
}
