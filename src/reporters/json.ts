/** A JSON report: every instance's result with its steps and tests, and the run's totals. */
import {formatSource, type InstanceResult, type TaskResult} from '../model.js'
import {writeFileAtomic} from '../files.js'

const seconds = (ms: number) => Math.round(ms) / 1000

function task(t: TaskResult) {
  return {
    name: t.name,
    ...(t.group ? {group: t.group} : {}),
    status: t.skipped ? 'skipped' : t.cached ? 'cached' : t.ok ? 'passed' : 'failed',
    exitCode: t.exitCode,
    seconds: seconds(t.durationMs),
    ...(t.message ? {message: t.message} : {}),
    ...(!t.ok && t.command !== undefined ? {command: t.command} : {}),
    ...(!t.ok && t.source ? {at: formatSource(t.source)} : {}),
    ...(!t.ok && t.outputTail ? {output: t.outputTail} : {}),
  }
}

export function formatJson(results: InstanceResult[]): string {
  const tests = results.flatMap((r) => r.tests)
  const report = {
    version: 1,
    summary: {
      instances: results.length,
      passed: results.filter((r) => r.status === 'passed').length,
      failed: results.filter((r) => r.status === 'failed').length,
      errors: results.filter((r) => r.status === 'error').length,
      tests: tests.length,
      testsFailed: tests.filter((t) => !t.ok).length,
      testsSkipped: tests.filter((t) => t.skipped).length,
    },
    instances: results.map((r) => ({
      instance: r.instance,
      suite: r.suite,
      platform: r.platform,
      driver: r.driver,
      ...(r.engine ? {engine: r.engine} : {}),
      image: r.image,
      status: r.status,
      ...(r.failedIn ? {failedIn: r.failedIn} : {}),
      ...(r.message ? {message: r.message} : {}),
      startedAt: r.startedAt.toISOString(),
      seconds: seconds(r.durationMs),
      steps: r.steps.map(task),
      tests: r.tests.map(task),
    })),
  }
  return JSON.stringify(report, null, 2) + '\n'
}

export function writeJsonReport(file: string, results: InstanceResult[]): void {
  writeFileAtomic(file, formatJson(results))
}
