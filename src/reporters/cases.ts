/** A run's results as one flat list of cases (steps, tests, engine errors), for the TAP report. */
import type {InstanceSpec} from '../config/types.js'
import type {InstanceResult, TaskResult} from '../lifecycle/events.js'
import {plannedTests} from '../verifiers/verifier.js'

export interface ReportCase {
  instance: string
  /** converge, verify, or the phase an engine error stopped the instance in. */
  phase: string
  name: string
  status: 'passed' | 'failed' | 'skipped' | 'error'
  message?: string
  output?: string
  durationMs: number
}

/** Like the JUnit report: every step and test that ran, the ones that never ran as skipped, then an engine error if any. */
export function reportCases(r: InstanceResult, spec: InstanceSpec | undefined): ReportCase[] {
  const cases: ReportCase[] = []
  const add = (phase: 'converge' | 'verify', ran: TaskResult[], planned: string[]) => {
    for (const t of ran) {
      cases.push({
        instance: r.instance,
        phase,
        name: t.group ? `${t.group}: ${t.name}` : t.name,
        status: t.skipped ? 'skipped' : t.ok ? 'passed' : 'failed',
        message: t.skipped ? t.outputTail || undefined : t.message,
        output: t.ok || t.cached || t.outputTail === t.message ? undefined : t.outputTail || undefined,
        durationMs: t.durationMs,
      })
    }
    for (const name of planned.slice(ran.length)) cases.push({instance: r.instance, phase, name, status: 'skipped', message: 'not run', durationMs: 0})
  }
  const verifyReached = r.tests.length > 0 || r.status === 'passed'
  // An instance with no steps that passed or failed in verify ran verify alone: its steps were not due, not skipped.
  const stepsDue = r.steps.length > 0 || (r.status !== 'passed' && r.failedIn !== 'verify')
  add('converge', r.steps, stepsDue ? (spec?.provisioner.steps.map((s) => s.name) ?? []) : [])
  add('verify', r.tests, verifyReached ? [] : spec ? plannedTests(spec.verifier) : [])
  if (r.status === 'error' || r.status === 'interrupted') {
    cases.push({instance: r.instance, phase: r.failedIn ?? 'run', name: r.status === 'interrupted' ? 'interrupted' : 'engine', status: 'error', message: (r.message ?? r.status).split('\n')[0], output: r.message, durationMs: 0})
  } else if (r.status === 'skipped') {
    cases.push({instance: r.instance, phase: 'run', name: 'not run', status: 'skipped', message: r.message, durationMs: 0})
  }
  return cases
}
