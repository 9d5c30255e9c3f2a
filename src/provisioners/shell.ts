/** The shell provisioner: each `script:` or `run:` entry is one step, run in order with the suite's env. */
import type {InstanceSpec} from '../config/types.js'
import {inlineArgv, scriptArgv} from '../model.js'
import {defineProvisioner} from './plugin.js'
import {stepEnv, type ProvisionStep} from './step.js'

/**
 * The suite's shell steps. Under idempotence a step with `check:` runs its check in the second
 * converge: a non-zero exit means the step would change something.
 */
export function shellSteps(spec: InstanceSpec): ProvisionStep[] {
  const settings = spec.provisioner
  return settings.steps.map((step) => {
    const env = {...settings.env, ...step.env}
    return {
      kind: 'step',
      name: step.name,
      argv: step.script ? scriptArgv(step.script) : inlineArgv(step.run!),
      env,
      expected: 0,
      command: step.run ?? step.script,
      ...(step.source ? {source: step.source} : {}),
      cache: {env: stepEnv(spec, env), settings: {script: step.script ?? null, run: step.run ?? null}, paths: step.script ? [step.script] : []},
      recheck:
        step.check === undefined
          ? undefined
          : {
              kind: 'idempotence',
              name: step.name,
              argv: inlineArgv(step.check),
              env,
              expected: 0,
              command: step.check,
              judge: (code) => (code === 0 ? {ok: true} : {ok: false, message: `step \`${step.name}\` would change something: its check exited with ${code}`}),
            },
    }
  })
}

/** `steps:` alone: every provisioner runs them first, so the shell tool adds nothing after them. */
export const shell = defineProvisioner<Record<string, never>>({
  name: 'shell',
  summary: 'the `steps:` alone: scripts and commands run in order',
  settings: {},
  read: () => ({}),
  steps: () => [],
})
