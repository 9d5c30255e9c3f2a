/** JUnit XML via junit-report-builder: one testsuite per instance, one testcase per step and per test. */
import type {Builder} from 'junit-report-builder'
import {writeFileAtomic} from '../files.js'
import type {InstanceSpec} from '../config/types.js'
import type {InstanceResult, TaskResult} from '../lifecycle/events.js'
import {plannedTests} from '../verifiers/verifier.js'
import {provisionSteps} from '../provisioners/index.js'

/** The converge steps an instance would run, for reporting those it never reached as skipped. */
function plannedSteps(spec: InstanceSpec | undefined, root: string | undefined): string[] {
  if (!spec) return []
  try {
    return provisionSteps(spec, root ?? process.cwd()).map((s) => s.name)
  } catch {
    return spec.provisioner.steps.map((s) => s.name)
  }
}

/** JUnit wants local-free ISO 8601 without a zone; Galley writes UTC. */
function timestamp(d: Date): string {
  return d.toISOString().slice(0, 19)
}

/** Terminal colour codes, and the control characters XML cannot hold, are left out of the report. */
function clean(text: string | undefined): string | undefined {
  return text?.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '')
}

export async function writeJunit(file: string, results: InstanceResult[], specs: Map<string, InstanceSpec>, root?: string): Promise<void> {
  // Loaded here, not at start-up: it is large and only `test` writes reports.
  const {default: shared} = await import('junit-report-builder')
  const builder: Builder = (shared as unknown as {default?: Builder}).default?.newBuilder() ?? (shared as unknown as Builder).newBuilder()
  for (const r of results) {
    const suite = builder.testSuite().name(r.instance).timestamp(timestamp(r.startedAt)).time(Math.round(r.durationMs) / 1000)
    suite.property('platform', r.platform).property('suite', r.suite).property('driver', r.driver).property('image', r.image)
    const spec = specs.get(r.instance)
    const addTasks = (kind: 'converge' | 'verify', ran: TaskResult[], planned: string[]) => {
      for (const t of ran) {
        // Cases from a bats file or an ingested report keep where they came from under the instance.
        const tc = suite.testCase().className(`${r.instance}.${kind}${t.group ? `.${t.group}` : ''}`).name(t.name).time(Math.round(t.durationMs) / 1000)
        if (t.skipped) tc.skipped()
        if (!t.ok) tc.failure(t.message, kind === 'converge' ? 'StepFailed' : 'TestFailed').stacktrace(clean(t.outputTail))
        if (t.cached) tc.standardOutput('restored from the step cache')
        else if (t.outputTail) tc.standardOutput(clean(t.outputTail))
      }
      // Steps after a failed one, and tests of an instance that never converged, are reported as skipped.
      for (const name of planned.slice(ran.length)) suite.testCase().className(`${r.instance}.${kind}`).name(name).skipped()
    }
    const verifyReached = r.tests.length > 0 || r.status === 'passed'
    // An instance with no steps that passed or failed in verify ran verify alone: its steps were not due, not skipped.
    const stepsDue = r.steps.length > 0 || (r.status !== 'passed' && r.failedIn !== 'verify')
    addTasks('converge', r.steps, stepsDue ? plannedSteps(spec, root) : [])
    if (r.idempotence) addIdempotence(suite, r.instance, r.idempotence)
    addTasks('verify', r.tests, verifyReached ? r.tests.map((t) => t.name) : (spec ? plannedTests(spec.verifier) : []))
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
