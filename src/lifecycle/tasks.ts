/**
 * An instance's work, planned once per run: its converge steps (shell steps, then the recipe
 * tool's), its shell tests, and the plan every report lists (the steps, and the test cases its
 * verifiers will report). Converge, the cache keys and the reports all read this one plan.
 */
import type {InstanceSpec} from '../config/types.js'
import type {InstancePlan, PlanEntry, TaskCommand} from '../model.js'
import {provisionSteps, type ProvisionStep} from '../provisioners/index.js'
import {plannedTests} from '../verifiers/index.js'
import {shellTests} from '../verifiers/shell.js'

export interface InstanceTasks {
  steps: ProvisionStep[]
  tests: TaskCommand[]
  plan: InstancePlan
}

const entryOf = (c: TaskCommand): PlanEntry => ({name: c.name, ...(c.command ? {command: c.command} : {}), ...(c.source ? {source: c.source} : {})})

/** Plans an instance's work; throws when a recipe cannot be read (the instance fails in converge). */
export function planTasks(spec: InstanceSpec, root: string): InstanceTasks {
  const steps = provisionSteps(spec, root)
  return {steps, tests: shellTests(spec.verifier, spec.provisioner), plan: {steps: steps.map(entryOf), tests: plannedTests(spec.verifier, root)}}
}

/** The plan as far as galley.yml alone says, for an instance whose recipes could not be planned. */
export function fallbackPlan(spec: InstanceSpec, root: string): InstancePlan {
  const steps = spec.provisioner.steps.map((s) => ({name: s.name, ...(s.source ? {source: s.source} : {})}))
  return {steps, tests: plannedTests(spec.verifier, root)}
}

/** Where the steps that follow the idempotence pass begin (Molecule's side effects): the first of them, or the end. */
export function afterIdempotenceAt(steps: ProvisionStep[]): number {
  const at = steps.findIndex((s) => s.afterIdempotence)
  return at < 0 ? steps.length : at
}
