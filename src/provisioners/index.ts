/** Each provisioner turns a suite's settings into converge steps; the shell steps always come first. */
import type {InstanceSpec} from '../config/types.js'
import {ansibleSteps} from './ansible.js'
import {chefSteps} from './chef.js'
import {itamaeSteps} from './itamae.js'
import {puppetSteps} from './puppet.js'
import {shellSteps} from './shell.js'
import type {ProvisionStep} from './step.js'

export type {ProvisionStep} from './step.js'

/** The instance's converge steps, in order: `steps:` (shell), then the recipe tool's install and runs. */
export function provisionSteps(spec: InstanceSpec, root: string): ProvisionStep[] {
  const shell = shellSteps(spec)
  switch (spec.provisioner.name) {
    case 'ansible':
      return [...shell, ...ansibleSteps(spec, root)]
    case 'puppet':
      return [...shell, ...puppetSteps(spec)]
    case 'chef':
      return [...shell, ...chefSteps(spec)]
    case 'itamae':
      return [...shell, ...itamaeSteps(spec)]
    default:
      return shell
  }
}
