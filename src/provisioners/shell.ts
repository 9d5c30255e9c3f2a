/** The shell provisioner: each `script:` or `run:` entry is one step, run in order with the suite's env. */
import type {ProvisionerSettings} from '../config/types.js'
import {inlineArgv, scriptArgv, type TaskCommand} from '../lifecycle/commands.js'

export function shellSteps(settings: ProvisionerSettings): TaskCommand[] {
  return settings.steps.map((step) => ({
    kind: 'step',
    name: step.name,
    argv: step.script ? scriptArgv(step.script) : inlineArgv(step.run!),
    env: {...settings.env, ...step.env},
    expected: 0,
  }))
}
