/**
 * Test Kitchen's provisioners, mapped by the Galley provisioner that takes each over: its
 * descriptor (src/provisioners/<tool>.ts) holds the mapper, so a tool's settings and their import
 * live in one file.
 */
import {PROVISIONERS} from '../provisioners/index.js'
import type {ProvisionerMapper} from './mapper.js'

export {CHEF_DATA, CHEF_INSTALL} from '../provisioners/chef.js'

/** The Test Kitchen provisioners that map, with Galley's provisioner for each; kitchen-dokken's own, dokken, is chef_zero's. */
const MAPPED = new Map<string, {tool: string; map: ProvisionerMapper}>(PROVISIONERS.flatMap((p) => (p.kitchen ? p.kitchen.plugins.map((name) => [name, {tool: p.name, map: p.kitchen!.map}] as const) : [])))

/** Test Kitchen's provisioner when none is named. */
export const DEFAULT_PROVISIONER = 'chef_solo'

/** The mapper of a Test Kitchen provisioner, and Galley's provisioner it maps to; undefined when it does not map. */
export function kitchenProvisioner(name: string): {tool: string; map: ProvisionerMapper} | undefined {
  return MAPPED.get(name)
}

/** Galley's provisioner for a Test Kitchen provisioner name. */
export function provisionerKind(name: string): string {
  return MAPPED.get(name)?.tool ?? 'unsupported'
}
