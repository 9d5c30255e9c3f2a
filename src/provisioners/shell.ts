/** The shell provisioner: each `script:` or `run:` entry is one step, run in order with the suite's env. */
import type {InstanceSpec} from '../config/types.js'
import {inlineArgv, scriptArgv} from '../model.js'
import {defineProvisioner} from './plugin.js'
import {stepEnv, type ProvisionStep} from './step.js'
import {emptyMapping, type PluginInput, type ProvisionerMapping} from '../kitchen/mapper.js'

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
      ...(step.timeout ? {timeout: step.timeout} : {}),
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
              ...(step.timeout ? {timeout: step.timeout} : {}),
              judge: (code) => (code === 0 ? {ok: true} : {ok: false, message: `step \`${step.name}\` would change something: its check exited with ${code}`}),
            },
    }
  })
}

/** `steps:` alone: every provisioner runs them first, so the shell tool adds nothing after them. */
/** Test Kitchen's settings for this tool, for `galley import`. */
function mapShell({context: imp, block: p, suite}: PluginInput): ProvisionerMapping {
  const out = emptyMapping()
  for (const proxy of ['http_proxy', 'https_proxy', 'no_proxy', 'ftp_proxy']) {
    if (!p.has(proxy)) continue
    const v = imp.str(p, proxy)
    if (v !== undefined) out.env[proxy] = v
  }
  const dataAt = p.at('data_path')
  const data = p.has('data_path') ? imp.str(p, 'data_path') : undefined
  if (data && dataAt) {
    const rel = imp.relPath(data, dataAt.pos, dataAt.where)
    if (rel) {
      out.steps.push({name: 'data_path at /tmp/kitchen/data', run: `mkdir -p /tmp/kitchen && ln -sfn "$PWD/${rel}" /tmp/kitchen/data`})
      imp.report('note', dataAt.pos, dataAt.where, `/tmp/kitchen/data is a link to the project's ${rel} (the project folder is at /tmp/galley in the instance)`)
    }
  }
  const command = p.has('command') ? imp.str(p, 'command') : undefined
  const scriptAt = p.at('script')
  let script = p.has('script') ? imp.str(p, 'script') : undefined
  if (!script && !command && !p.has('script')) script = imp.findFile([`test/integration/${suite}/bootstrap.sh`, 'test/integration/bootstrap.sh', 'bootstrap.sh'])
  const args = p.has('arguments') ? imp.list(p, 'arguments') : undefined
  if (command) out.steps.push({name: 'command', run: command})
  else if (script) {
    const rel = imp.relPath(script, scriptAt?.pos, scriptAt?.where ?? 'provisioner.script')
    if (rel && args && args.length > 0) out.steps.push({name: rel, run: `chmod +x ./${rel} 2>/dev/null; ./${rel} ${args.join(' ')}`})
    else if (rel) out.steps.push({script: rel})
  }
  return out
}

export const shell = defineProvisioner<Record<string, never>>({
  name: 'shell',
  summary: 'the `steps:` alone: scripts and commands run in order',
  settings: {},
  read: () => ({}),
  kitchen: {plugins: ['shell'], map: mapShell},
  steps: () => [],
})
