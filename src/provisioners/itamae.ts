/**
 * The itamae provisioner: Debian's itamae runs Chef-style recipes (package, service, template,
 * file, execute...) inside the instance with `itamae local`; each recipe is one step.
 */
import path from 'node:path'
import type {InstanceSpec} from '../config/types.js'
import type {Verdict} from '../model.js'
import {defineProvisioner, stringList, varsOf, type Raw} from './plugin.js'
import {inProject, installStep, stepEnv, writeThenRun, type ProvisionStep} from './step.js'

export interface ItamaeSettings {
  package?: string
  /** Node attributes (itamae's --node-json). */
  attributes?: Record<string, unknown>
  /** Recipe files, each one step. */
  recipes: string[]
}

const NODE_JSON = '/tmp/galley-itamae/node.json'

/** Resources itamae changed, from its `resource[name] attribute will change from 'a' to 'b'` lines. */
export function itamaeChanges(output: string): string[] {
  const out: string[] = []
  for (const line of output.split('\n')) {
    const m = /^\s*INFO :\s+(\w+\[.*\]) \S+ will change from /.exec(line)
    if (m && !out.includes(m[1])) out.push(m[1])
  }
  return out
}

export function judgeItamaeSecondRun(recipe: string, code: number, output: string): Verdict {
  if (code !== 0) return {ok: false, message: `the second itamae run of ${recipe} failed (exit ${code})`}
  const changed = itamaeChanges(output)
  if (changed.length === 0) return {ok: true}
  return {ok: false, message: `the second itamae run of ${recipe} updated ${changed.length} resource${changed.length === 1 ? '' : 's'}: ${changed.join(', ')}`}
}

function itamaeSteps(spec: InstanceSpec, p: ItamaeSettings): ProvisionStep[] {
  const env = {LANG: 'C.UTF-8', ...spec.provisioner.env}
  const install = installStep(spec, 'itamae', ['itamae'], [p.package ?? 'itamae'], {systemctlShim: true})
  const steps = p.recipes.map((recipe): ProvisionStep => {
    const run = ['itamae', 'local', '--no-color', '--log-level=info', ...(p.attributes ? ['--node-json', NODE_JSON] : []), inProject(recipe)]
    const argv = p.attributes ? writeThenRun([{path: NODE_JSON, content: JSON.stringify(p.attributes)}], run) : run
    return {
      kind: 'step',
      name: recipe,
      argv,
      env,
      expected: 0,
      command: `itamae local ${recipe}`,
      judge: (code) => (code === 0 ? {ok: true} : {ok: false, message: `itamae local ${recipe} failed (exit ${code})`}),
      // The recipe's folder holds its templates, files and included recipes.
      cache: {env: stepEnv(spec, env), settings: {recipe, attributes: p.attributes ?? null}, paths: [path.dirname(recipe)]},
      recheck: {kind: 'idempotence', name: recipe, argv, env, expected: 0, judge: (code, output) => judgeItamaeSecondRun(recipe, code, output)},
    }
  })
  return [install, ...steps]
}

export const itamae = defineProvisioner<ItamaeSettings>({
  name: 'itamae',
  summary: "Debian's itamae runs Chef-style recipes inside the instance with `itamae local`, each recipe one step",
  settings: {
    recipe: {schema: {kind: 'strings'}, files: 'file', required: true, doc: 'recipe files, each one step'},
    attributes: {schema: {kind: 'vars'}, doc: 'node attributes'},
    package: {schema: {kind: 'string'}, doc: 'the Debian package that provides the tool when the platform lacks it'},
  },
  read: (raw: Raw): ItamaeSettings => ({
    ...(raw.package !== undefined ? {package: String(raw.package)} : {}),
    ...(raw.attributes !== undefined ? {attributes: varsOf(raw.attributes)} : {}),
    recipes: stringList(raw.recipe) ?? [],
  }),
  steps: itamaeSteps,
})
