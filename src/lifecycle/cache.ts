/**
 * Step cache keys. Each step's key hashes its parent (the previous step's key, or the base
 * snapshot for the first), the step's content (the script's bytes, or the inline command), its
 * environment (Galley's per-instance variables included) and the provisioner's settings, so a
 * step's key changes when it or anything before it changes.
 */
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {InstanceSpec} from '../config/types.js'

export function instanceEnv(spec: InstanceSpec): Record<string, string> {
  return {GALLEY_INSTANCE: spec.name, GALLEY_SUITE: spec.suite, GALLEY_PLATFORM: spec.platform.name}
}

const sorted = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)))

/** One key per converge step of `spec`, chained from `baseId` (the engine's base snapshot). */
export function stepKeys(spec: InstanceSpec, baseId: string, root: string): string[] {
  let parent = baseId
  return spec.provisioner.steps.map((step) => {
    const hash = createHash('sha256').update(parent).update('\0')
    hash.update(
      JSON.stringify({
        provisioner: spec.provisioner.name,
        env: sorted({...instanceEnv(spec), ...spec.provisioner.env, ...step.env}),
        script: step.script ?? null,
        run: step.run ?? null,
      }),
    )
    if (step.script) hash.update('\0').update(readFileSync(path.join(root, step.script)))
    parent = hash.digest('hex').slice(0, 32)
    return parent
  })
}
