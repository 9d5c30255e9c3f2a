/**
 * Test Kitchen's lifecycle hooks: a remote command before converge becomes a provisioner step; a
 * local one, and a hook at a moment Galley has none for, is reported.
 */
import {isObject, type KitchenStep} from './mapper.js'
import type {Block} from './layers.js'
import type {Importer} from './importer.js'
import {posOf} from '../import/tree.js'

/** A step running `run`, named after where it came from and the first line of the command. */
export function commandStep(origin: string, run: string): KitchenStep {
  return {name: `${origin}: ${run.split('\n')[0].slice(0, 60)}`, run}
}

/** The steps of one phase's remote hooks; a hook that runs on the workstation, or anywhere when not `allowed`, is reported. */
export function hookSteps(imp: Importer, lifecycle: Block, phase: string, allowed: boolean, why: string): KitchenStep[] {
  const steps: KitchenStep[] = []
  for (const {value, place} of lifecycle.takeLevels(phase)) {
    const entries = Array.isArray(value) ? value : [value]
    entries.forEach((entry, i) => {
      const eAt = posOf(value as object, i) ?? place.pos
      const key = `${place.where}[${i}]`
      if (isObject(entry) && (entry.includes !== undefined || entry.excludes !== undefined)) {
        return imp.report('unmapped', eAt, key, 'a hook limited to some platforms (includes/excludes) is not imported; add it to those platforms\' provisioner steps by hand')
      }
      const remote = isObject(entry) && typeof entry.remote === 'string' ? entry.remote : undefined
      if (remote === undefined) {
        return imp.report('unmapped', eAt, key, `Test Kitchen runs this hook on the workstation${typeof entry === 'string' ? ' (a plain string is a local command)' : ''}; Galley has no host-side hooks: run it yourself before galley test`)
      }
      if (!allowed) return imp.report('unmapped', eAt, key, why)
      const run = imp.erb(remote, eAt, key)
      if (run === undefined) return
      const extra = Object.keys(entry).filter((k) => k !== 'remote')
      if (extra.length > 0) imp.report('unmapped', eAt, key, `hook options ${extra.join(', ')} are not imported; the command runs as root`)
      steps.push(commandStep(phase, run))
    })
  }
  return steps
}

/** The steps of the hooks that run before converge; the hooks of phases Galley has no place for are reported. */
export function stepsBeforeConverge(imp: Importer, lifecycle: Block): KitchenStep[] {
  const steps = [...hookSteps(imp, lifecycle, 'post_create', true, ''), ...hookSteps(imp, lifecycle, 'pre_converge', true, '')]
  for (const phase of ['pre_create', 'pre_destroy', 'post_destroy']) hookSteps(imp, lifecycle, phase, false, `Galley has no ${phase} hook; a command inside the instance can only run between create and destroy`)
  for (const phase of ['pre_verify', 'post_verify']) hookSteps(imp, lifecycle, phase, false, `Galley has no ${phase} hook: make it a verifier test, or a last provisioner step`)
  return steps
}
