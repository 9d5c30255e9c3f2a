/**
 * What `--watch` watches for each instance: the project files its steps read (the same inputs as
 * the step cache keys: each step's `cache.paths`, scripts included) and the files its tests read
 * (test scripts, bats files, …), and which instances a changed file touches.
 */
import path from 'node:path'
import type {InstanceSpec} from '../config/types.js'
import {planTasks} from '../lifecycle/tasks.js'
import {VERIFIERS} from '../verifiers/index.js'

export interface WatchedInputs {
  /** Project files and folders (relative to the project) the steps read. */
  steps: string[]
  /** Project files the tests read. */
  tests: string[]
}

const normal = (rel: string) => path.normalize(rel).replace(/\/+$/, '')

/** An instance's inputs, planned afresh (a recipe that cannot be read yet watches its scripts as galley.yml names them). */
export function watchedInputs(spec: InstanceSpec, root: string): WatchedInputs {
  let steps: string[]
  try {
    steps = planTasks(spec, root).steps.flatMap((s) => s.cache.paths)
  } catch {
    steps = spec.provisioner.steps.flatMap((s) => (s.script ? [s.script] : []))
  }
  const tests = [...spec.verifier.tests.flatMap((t) => (t.script ? [t.script] : [])), ...VERIFIERS.flatMap((v) => v.files?.(spec.verifier.sections[v.key] ?? []) ?? [])]
  return {steps: [...new Set(steps.map(normal))], tests: [...new Set(tests.map(normal))]}
}

/** Whether `changed` (relative to the project) is one of `inputs` or inside one of them. */
export function touches(inputs: string[], changed: string): boolean {
  const rel = normal(changed)
  return inputs.some((i) => i === '.' || rel === i || rel.startsWith(`${i}/`))
}

/** The folders to watch for these inputs: each file's folder, each folder itself (with what is below it). */
export function foldersToWatch(root: string, inputs: string[], isFolder: (abs: string) => boolean): {dir: string; recursive: boolean}[] {
  const out = new Map<string, boolean>([[root, false]])
  for (const rel of inputs) {
    const abs = path.resolve(root, rel)
    if (isFolder(abs)) out.set(abs, true)
    else if (!out.get(path.dirname(abs))) out.set(path.dirname(abs), false)
  }
  return [...out].map(([dir, recursive]) => ({dir, recursive}))
}
