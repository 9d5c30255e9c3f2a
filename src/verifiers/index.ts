/** The registry of verifiers that report test cases beside the shell tests, in the order they run. */
import type {VerifierSettings} from '../config/types.js'
import type {PlanEntry} from '../model.js'
import {ansibleVerifier} from './ansible.js'
import {assertVerifier} from './assert/run.js'
import {batsVerifier} from './bats.js'
import type {VerifyContext} from './context.js'
import {junitVerifier} from './junit.js'
import type {Verifier} from './plugin.js'

export const VERIFIERS: readonly Verifier[] = [assertVerifier, batsVerifier, junitVerifier, ansibleVerifier]

/** Runs each verifier's entries, in the registry's order (shell tests run before, as tasks). */
export async function runCaseVerifiers(settings: VerifierSettings, ctx: VerifyContext): Promise<void> {
  for (const v of VERIFIERS) {
    const entries = settings.sections[v.key] ?? []
    if (entries.length > 0) await v.run(entries, ctx)
  }
}

/** The test cases a verifier will report, as far as they are known before it runs. */
export function plannedTests(settings: VerifierSettings, root: string): PlanEntry[] {
  const shell = settings.tests.map((t) => ({name: t.name, command: t.run ?? t.script, ...(t.source ? {source: t.source} : {})}))
  return [...shell, ...VERIFIERS.flatMap((v) => v.planned(settings.sections[v.key] ?? [], root))]
}
