/**
 * What the HTML report shows, taken from a run's results (with each instance's lane and timeline)
 * or from a JUnit report alone (what JUnit holds: instances, cases, failures, start and duration).
 */
import {readJunit, type JunitCase, type JunitSuite} from '../junit-xml.js'
import type {InstanceResult, TimelineSpan} from '../model.js'
import {reportCases, type ReportCase} from './cases.js'

export interface HtmlCase extends ReportCase {
  /** A step restored from the step cache. */
  cached?: boolean
}

export interface HtmlInstance {
  instance: string
  suite: string
  platform: string
  driver?: string
  status: InstanceResult['status']
  failedIn?: string
  message?: string
  /** Milliseconds since the epoch; undefined when it never started. */
  start?: number
  durationMs: number
  lane?: number
  timeline?: TimelineSpan[]
  cases: HtmlCase[]
  /** Where its full output is, relative to the report's project. */
  log?: string
}

export interface HtmlReport {
  title: string
  /** `run`: from a run's results; `junit`: from a JUnit file, which holds no lanes or phases. */
  source: 'run' | 'junit'
  /** The JUnit file it was made from. */
  file?: string
  instances: HtmlInstance[]
}

/** The report of a run, from its results; `logs` is where the instances' logs are (`.galley/logs`). */
export function reportOfResults(results: InstanceResult[], options: {title?: string; logs?: string} = {}): HtmlReport {
  return {
    title: options.title ?? 'galley test',
    source: 'run',
    instances: results.map((r) => {
      const cases: HtmlCase[] = reportCases(r)
      let step = 0
      for (const c of cases) if (c.phase === 'converge' && c.status !== 'skipped' && r.steps[step]) c.cached = r.steps[step++].cached
      return {
        instance: r.instance,
        suite: r.suite,
        platform: r.platform,
        driver: r.driver,
        status: r.status,
        ...(r.failedIn ? {failedIn: r.failedIn} : {}),
        ...(r.message ? {message: r.message} : {}),
        ...(r.timeline?.length ? {start: r.timeline[0].start} : r.lane !== undefined ? {start: new Date(r.startedAt).getTime()} : {}),
        durationMs: r.durationMs,
        ...(r.lane !== undefined ? {lane: r.lane} : {}),
        ...(r.timeline ? {timeline: r.timeline} : {}),
        cases,
        ...(options.logs ? {log: `${options.logs}/${r.instance}.log`} : {}),
      }
    }),
  }
}

const PHASES = ['converge', 'idempotence', 'verify'] as const

/** `web-busybox.verify.bats` → verify; another tool's class name → verify. */
function phaseOf(instance: string, c: JunitCase): string {
  const rest = c.classname?.startsWith(`${instance}.`) ? c.classname.slice(instance.length + 1) : ''
  return PHASES.find((p) => rest === p || rest.startsWith(`${p}.`)) ?? (rest && !rest.includes('.') ? rest : 'verify')
}

function caseOf(instance: string, c: JunitCase): HtmlCase {
  const bad = c.failure ?? c.error
  const lines = (bad?.text ?? '').split('\n')
  // Galley's own reports start a failure's text with what ran and where it is written.
  const command = lines[0]?.startsWith('ran: ') ? lines.shift()!.slice(5) : undefined
  const at = lines[0]?.startsWith('written at: ') ? lines.shift()!.slice(12) : undefined
  const output = lines.join('\n').trim() || (bad ? c.systemOut.trim() : '') || undefined
  return {
    instance,
    phase: phaseOf(instance, c),
    name: c.name,
    status: c.error ? 'error' : c.failure ? 'failed' : c.skipped ? 'skipped' : 'passed',
    ...(bad?.message ? {message: bad.message} : c.skipped?.message ? {message: c.skipped.message} : {}),
    ...(output ? {output} : {}),
    ...(command ? {command} : {}),
    ...(at ? {at} : {}),
    durationMs: c.timeMs,
    ...(c.systemOut.trim() === 'restored from the step cache' ? {cached: true} : {}),
  }
}

function instanceOfSuite(s: JunitSuite): HtmlInstance {
  const cases = [...s.cases, ...s.suites.flatMap((n) => n.cases)].map((c) => caseOf(s.name, c))
  const timestamp = s.attributes.timestamp
  // Galley writes UTC without a zone; a zone, when there is one, is kept.
  const start = timestamp ? Date.parse(/Z|[+-]\d\d:?\d\d$/.test(timestamp) ? timestamp : `${timestamp}Z`) : NaN
  const failed = cases.find((c) => c.status === 'failed' || c.status === 'error')
  return {
    instance: s.name,
    suite: s.properties.suite ?? s.name,
    platform: s.properties.platform ?? '',
    ...(s.properties.driver ? {driver: s.properties.driver} : {}),
    status: cases.some((c) => c.status === 'error') ? 'error' : failed ? 'failed' : cases.length > 0 && cases.every((c) => c.status === 'skipped') ? 'skipped' : 'passed',
    ...(failed ? {failedIn: failed.phase, message: failed.message} : {}),
    ...(Number.isNaN(start) ? {} : {start}),
    durationMs: s.timeMs,
    cases,
  }
}

/** The report of a JUnit file: one instance per top-level test suite. */
export function reportOfJunit(xml: string, file: string): HtmlReport {
  return {title: `JUnit report ${file}`, source: 'junit', file, instances: readJunit(xml).suites.map(instanceOfSuite)}
}
