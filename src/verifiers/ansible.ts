/**
 * The ansible verifier: runs each playbook (Molecule's verify.yml) against the instance as the
 * ansible provisioner runs its playbooks (the same install and requirements steps, inventory, vars
 * and role under test), with Galley's callback plugin, and reports each task as a test case: its
 * name and result, and for a failed assert or fail the message and the task's file and line.
 */
import path from 'node:path'
import type {InstanceSpec} from '../config/types.js'
import type {PlanEntry, TaskResult} from '../model.js'
import {CALLBACK_PLUGIN} from '../provisioners/ansible/callback.js'
import {ANSIBLE_DIR, playbookRun, projectPath} from '../provisioners/ansible/command.js'
import {factCacheEnv} from '../provisioners/ansible/facts.js'
import {ansibleInstallSteps, planSuite, walkPlaybooks, type AnsiblePlan, type AnsibleSettings, type PlaybookGraph} from '../provisioners/ansible/index.js'
import {roleAliasesOf} from '../provisioners/ansible/plan.js'
import {isTemplated} from '../provisioners/ansible/task-keys.js'
import {LOADERS, readResults, resultsToCases} from './ansible-results.js'
import type {VerifyContext} from './context.js'
import {defineVerifier} from './plugin.js'
import {asUser, USER_SCHEMA} from './user.js'

export interface AnsibleVerifyEntry {
  playbook: string
  user?: string
}

const CALLBACK_DIR = `${ANSIBLE_DIR}/callback`

function failedCase(name: string, group: string, message: string, outputTail = message): TaskResult {
  return {kind: 'test', name, group, ok: false, exitCode: 1, expected: 0, durationMs: 0, outputTail, message}
}

/** The suite's ansible settings when it uses the ansible provisioner, else Ansible's defaults. */
const settingsOf = (spec: InstanceSpec): AnsibleSettings => (spec.provisioner.name === 'ansible' ? (spec.provisioner.options as AnsibleSettings) : {playbooks: []})

/**
 * Makes sure ansible-playbook and the requirements are in the instance: the provisioner's install
 * and requirements steps, planned with the verify playbooks too, but those converge already ran
 * (the same command); why it cannot otherwise.
 */
async function ensureAnsible(ctx: VerifyContext, p: AnsibleSettings, plan: AnsiblePlan): Promise<string | undefined> {
  const ran = new Set(ctx.spec.provisioner.name === 'ansible' ? ansibleInstallSteps(ctx.spec, p, planSuite(ctx.spec, p, ctx.root)).map((s) => JSON.stringify(s.argv)) : [])
  const due = ansibleInstallSteps(ctx.spec, p, plan).filter((s) => !ran.has(JSON.stringify(s.argv)))
  for (const step of due) {
    const r = await ctx.exec(step.argv, {env: step.env, task: step.name})
    const verdict = step.judge ? step.judge(r.exitCode, r.stdout + r.stderr) : {ok: r.exitCode === step.expected, message: `${step.command ?? step.name} failed (exit ${r.exitCode})`}
    if (!verdict.ok) return verdict.message
  }
  return undefined
}

async function runPlaybooks(entries: AnsibleVerifyEntry[], ctx: VerifyContext): Promise<void> {
  const p = settingsOf(ctx.spec)
  const plan = planSuite(ctx.spec, p, ctx.root, entries.map((e) => e.playbook))
  const missing = await ensureAnsible(ctx, p, plan)
  for (const [index, {playbook, user}] of entries.entries()) {
    const label = `ansible ${playbook}`
    ctx.start(label, index, entries.length)
    if (missing) {
      ctx.end(failedCase(label, playbook, missing))
      continue
    }
    // In /tmp, so that a playbook run as a user can write it; removed first, so an old run's lines never count.
    const results = `/tmp/galley-verify-${index}.jsonl`
    const run = playbookRun(ctx.spec, p, ctx.root, playbook, plan, {
      files: [{path: `${CALLBACK_DIR}/galley.py`, content: CALLBACK_PLUGIN}],
      env: {ANSIBLE_CALLBACK_PLUGINS: CALLBACK_DIR, GALLEY_RESULTS_FILE: results, ...(user !== undefined ? factCacheEnv(user) : {})},
      wrap: (argv) => ['/bin/sh', '-c', 'rm -f -- "$1"; shift; exec "$@"', 'galley', results, ...(user ? asUser(user, argv) : argv)],
    })
    const r = await ctx.exec(run.argv, {env: run.env, task: label})
    const read = await ctx.exec(['/bin/sh', '-c', 'cat -- "$1"', 'galley', results])
    const tail = (r.stdout + r.stderr).slice(-4000)
    const cases = resultsToCases(readResults(read.stdout), {host: ctx.spec.name, group: playbook, command: `ansible-playbook ${playbook}`, toProject: (file) => projectPath(file, run.role)})
    for (const c of cases) ctx.end(c)
    if (read.exitCode !== 0 && r.exitCode === 0) ctx.end(failedCase(label, playbook, `ansible-playbook ${playbook} exited 0 but Galley's callback wrote no results`, tail))
    else if (cases.length === 0 && r.exitCode === 0) {
      ctx.end(failedCase(label, playbook, `no task of ${playbook} ran on this instance: its plays' hosts: match nothing Galley's inventory holds (the instance, localhost and the groups the plays name)`, tail))
    } else if (r.exitCode !== 0 && cases.every((c) => c.ok)) {
      ctx.end(failedCase(label, playbook, `ansible-playbook ${playbook} failed (exit ${r.exitCode}) before any task failed; see its output`, tail))
    }
  }
}

/**
 * The cases a playbook will report, by task name, when the walker can tell them in the order they
 * run: every task written in the playbook itself, named, and neither a handler nor a rescue; else
 * one entry for the whole playbook.
 */
export function plannedCases(root: string, playbook: string): PlanEntry[] {
  const whole = [{name: `ansible ${playbook}`, command: `ansible-playbook ${playbook}`, source: {file: playbook}}]
  let graph: PlaybookGraph
  try {
    graph = walkPlaybooks(root, [playbook], {roleAliases: roleAliasesOf(root, [playbook])})
  } catch {
    // A folder it cannot read (its permissions): the plan still lists the playbook, which reports why when it runs.
    return whole
  }
  const unsure = graph.missing.length + graph.dynamic.length + graph.collectionRefs.length + graph.errors.length > 0
  const cases = graph.tasks.filter((t) => !t.trigger && !LOADERS.test(t.module) && !/(?:^|\.)meta$/.test(t.module))
  if (unsure || cases.length === 0 || cases.some((t) => t.file !== path.normalize(playbook) || t.role || !t.name || isTemplated(t.name))) return whole
  return cases.map((t) => ({name: t.name!, command: `ansible-playbook ${playbook}`, source: {file: t.file, line: t.line}}))
}

export const ansibleVerifier = defineVerifier<AnsibleVerifyEntry>({
  key: 'ansible',
  summary: 'playbooks (Molecule\'s verify.yml) run against the instance as the ansible provisioner runs its own; each task one case',
  schema: {kind: 'seq', items: {kind: 'map', keys: {playbook: {kind: 'string'}, user: USER_SCHEMA}, required: ['playbook'], orString: 'a playbook'}},
  read: (raw, ctx) =>
    raw.map((entry) => {
      const e = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : {playbook: entry}
      const user = e.user !== undefined ? String(e.user) : ctx.user
      return {playbook: String(e.playbook), ...(user !== undefined ? {user} : {})}
    }),
  files: (entries) => entries.map((e) => e.playbook),
  planned: (entries, root) => entries.flatMap(({playbook}) => plannedCases(root, playbook)),
  run: runPlaybooks,
})
