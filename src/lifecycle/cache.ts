/**
 * Step cache keys. Each step's key hashes its parent (the previous step's key, or the base
 * snapshot for the first), the step's settings (the inline command, the playbook's name and vars),
 * its environment (Galley's per-instance variables included) and the contents of the project files
 * it reads (a script; a playbook's folder and roles; a manifest and its modules; cookbooks), so a
 * step's key changes when it or anything before it changes.
 */
import {createHash, type Hash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import type {InstanceSpec} from '../config/types.js'
import {projectFiles} from '../provisioners/files.js'
import type {ProvisionStep} from '../provisioners/index.js'

const sorted = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).sort(([a], [b]) => a.localeCompare(b)))

/** A single file is hashed as its bytes; a folder as each file's path and bytes. */
function hashPath(hash: Hash, root: string, rel: string): void {
  const files = projectFiles(root, rel)
  if (files.length === 1 && files[0] === path.normalize(rel)) {
    hash.update('\0').update(readFileSync(path.join(root, rel)))
    return
  }
  for (const file of files) hash.update('\0').update(file).update('\0').update(readFileSync(path.join(root, file)))
}

/** One key per converge step of `spec` (its planned `steps`), chained from `baseId` (the engine's base snapshot). */
export function stepKeys(spec: InstanceSpec, steps: ProvisionStep[], baseId: string, root: string): string[] {
  let parent = baseId
  return steps.map((step) => {
    const hash = createHash('sha256').update(parent).update('\0')
    hash.update(JSON.stringify({provisioner: spec.provisioner.name, env: sorted(step.cache.env), ...step.cache.settings}))
    for (const rel of step.cache.paths) hashPath(hash, root, rel)
    parent = hash.digest('hex').slice(0, 32)
    return parent
  })
}
