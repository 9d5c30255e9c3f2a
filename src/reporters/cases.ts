/**
 * A run's results as one flat list of cases (steps, tests, engine errors), as every report lists
 * them: what ran, then what the instance's plan held that never ran (as skipped), then an engine
 * error if any. Each failed case says what ran and where it is written.
 */
import {formatSource, type InstanceResult, type PlanEntry, type TaskResult} from '../model.js'

export interface ReportCase {
  instance: string
  /** converge, verify, or the phase an engine error stopped the instance in. */
  phase: string
  name: string
  status: 'passed' | 'failed' | 'skipped' | 'error'
  message?: string
  output?: string
  /** What ran (the command as written), and where it is written (`file:line`). */
  command?: string
  at?: string
  durationMs: number
}

/** The steps a report lists as skipped, and whether the instance reached verify. */
export function unreached(r: InstanceResult): {steps: PlanEntry[]; tests: PlanEntry[]} {
  const verifyReached = r.tests.length > 0 || r.status === 'passed'
  // An instance with no steps that passed or failed in verify ran verify alone: its steps were not due, not skipped.
  const stepsDue = r.steps.length > 0 || (r.status !== 'passed' && r.failedIn !== 'verify')
  return {steps: stepsDue ? r.plan.steps.slice(r.steps.length) : [], tests: verifyReached ? [] : r.plan.tests}
}

/** A failed step or test as one text: what ran, where it is written, then its output. */
export function failureText(t: Pick<TaskResult, 'command' | 'source' | 'outputTail'>): string {
  const head = [t.command !== undefined ? `ran: ${t.command}` : '', t.source ? `written at: ${formatSource(t.source)}` : ''].filter(Boolean)
  if (head.length === 0) return t.outputTail
  return t.outputTail ? `${head.join('\n')}\n\n${t.outputTail}` : head.join('\n')
}

export function reportCases(r: InstanceResult): ReportCase[] {
  const cases: ReportCase[] = []
  const {steps, tests} = unreached(r)
  const add = (phase: 'converge' | 'verify', ran: TaskResult[], skipped: PlanEntry[]) => {
    for (const t of ran) {
      const failed = !t.ok && !t.skipped
      cases.push({
        instance: r.instance,
        phase,
        name: t.group ? `${t.group}: ${t.name}` : t.name,
        status: t.skipped ? 'skipped' : t.ok ? 'passed' : 'failed',
        message: t.skipped ? t.outputTail || undefined : t.message,
        output: t.ok || t.cached || t.outputTail === t.message ? undefined : t.outputTail || undefined,
        ...(failed && t.command !== undefined ? {command: t.command} : {}),
        ...(failed && t.source ? {at: formatSource(t.source)} : {}),
        durationMs: t.durationMs,
      })
    }
    for (const e of skipped) cases.push({instance: r.instance, phase, name: e.name, status: 'skipped', message: 'not run', durationMs: 0})
  }
  add('converge', r.steps, steps)
  add('verify', r.tests, tests)
  if (r.status === 'error' || r.status === 'interrupted') {
    cases.push({instance: r.instance, phase: r.failedIn ?? 'run', name: r.status === 'interrupted' ? 'interrupted' : 'engine', status: 'error', message: (r.message ?? r.status).split('\n')[0], output: r.message, durationMs: 0})
  } else if (r.status === 'skipped') {
    cases.push({instance: r.instance, phase: 'run', name: 'not run', status: 'skipped', message: r.message, durationMs: 0})
  }
  return cases
}
