/** JUnit XML via junit-report-builder: one testsuite per instance, one testcase per step and per test. */
import type {Builder} from 'junit-report-builder'
import {createRequire} from 'node:module'
import {writeFileAtomic} from '../files.js'
import type {InstanceResult, PlanEntry, TaskResult} from '../model.js'
import {failureText, unreached} from './cases.js'

/** JUnit wants local-free ISO 8601 without a zone; Galley writes UTC. */
function timestamp(d: Date): string {
  return d.toISOString().slice(0, 19)
}

/** Terminal colour codes, and the control characters XML cannot hold, are left out of the report. */
function clean(text: string | undefined): string | undefined {
  return text?.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '')
}

/**
 * junit-report-builder, loaded when first needed, not at start-up: it is large (800 kB, 50 ms) and
 * only reports need it. Required, not imported: as an ES import it is first scanned for exports.
 */
function loadBuilder(): Builder {
  const shared = createRequire(import.meta.url)('junit-report-builder') as Builder & {default?: Builder}
  return shared.default ?? shared
}

/** Loads the library ahead of writeJunit, so a run can do it while it waits on its engine. */
export function preloadJunit(): void {
  loadBuilder()
}

export async function writeJunit(file: string, results: InstanceResult[]): Promise<void> {
  const builder: Builder = loadBuilder().newBuilder()
  for (const r of results) {
    const suite = builder.testSuite().name(r.instance).timestamp(timestamp(r.startedAt)).time(Math.round(r.durationMs) / 1000)
    suite.property('platform', r.platform).property('suite', r.suite).property('driver', r.driver).property('image', r.image)
    if (r.engine) suite.property('engine', r.engine)
    const addTasks = (kind: 'converge' | 'verify', ran: TaskResult[], skipped: PlanEntry[]) => {
      for (const t of ran) {
        // Cases from a bats file or an ingested report keep where they came from under the instance.
        const tc = suite.testCase().className(`${r.instance}.${kind}${t.group ? `.${t.group}` : ''}`).name(t.name).time(Math.round(t.durationMs) / 1000)
        if (t.skipped) tc.skipped()
        if (!t.ok) tc.failure(t.message, kind === 'converge' ? 'StepFailed' : 'TestFailed').stacktrace(clean(failureText(t)))
        if (t.cached) tc.standardOutput('restored from the step cache')
        else if (t.outputTail) tc.standardOutput(clean(t.outputTail))
      }
      // Steps after a failed one, and tests of an instance that never converged, are reported as skipped.
      for (const e of skipped) suite.testCase().className(`${r.instance}.${kind}`).name(e.name).skipped()
    }
    const {steps, tests} = unreached(r)
    addTasks('converge', r.steps, steps)
    if (r.idempotence) addIdempotence(suite, r.instance, r.idempotence)
    addTasks('verify', r.tests, tests)
    if (r.status === 'error' || r.status === 'interrupted') {
      suite
        .testCase()
        .className(`${r.instance}.${r.failedIn ?? 'run'}`)
        .name(r.status === 'interrupted' ? 'interrupted' : `${r.failedIn ?? 'run'} (engine)`)
        .error(clean((r.message ?? r.status).split('\n')[0]), r.status === 'interrupted' ? 'Interrupted' : 'EngineError', clean(r.message))
    } else if (r.status === 'skipped') {
      suite.testCase().className(r.instance).name(r.message ?? 'skipped').skipped()
    }
  }
  writeFileAtomic(file, builder.build())
}

type JunitSuite = ReturnType<Builder['testSuite']>

/** The second converge as one testcase, `<instance>.idempotence` › `idempotence`, failing with what changed. */
function addIdempotence(suite: JunitSuite, instance: string, checks: TaskResult[]): void {
  const time = checks.reduce((t, c) => t + c.durationMs, 0)
  const tc = suite.testCase().className(`${instance}.idempotence`).name('idempotence').time(Math.round(time) / 1000)
  const failed = checks.filter((c) => !c.ok)
  if (failed.length > 0) tc.failure(clean(failed.map((c) => c.message).join('; ')), 'NotIdempotent').stacktrace(clean(failed.map((c) => `--- ${c.name}\n${c.outputTail}`).join('\n')))
  const out = checks.map((c) => `${c.ok ? 'unchanged' : 'CHANGED'}: ${c.name}`).join('\n')
  tc.standardOutput(out || 'no step can be re-checked')
}
