/** Builders of task and instance results for reporter and lifecycle tests. */
import type {InstancePlan, InstanceResult, TaskResult} from '../../src/model.js'

/** A test (or step) result: passing unless `ok: false` or a non-zero `exitCode` says otherwise. */
export function taskResult(name: string, over: Partial<TaskResult> = {}): TaskResult {
  const ok = over.ok ?? (over.exitCode === undefined ? true : over.exitCode === over.expected || over.exitCode === 0)
  const kind = over.kind ?? 'test'
  const exitCode = over.exitCode ?? (ok ? 0 : 1)
  return {
    kind,
    name,
    ok,
    exitCode,
    expected: 0,
    durationMs: 250,
    outputTail: '',
    ...over,
  }
}

/** A plan of named steps and tests. */
export const planOf = (steps: string[], tests: string[]): InstancePlan => ({steps: steps.map((name) => ({name})), tests: tests.map((name) => ({name}))})

/** An instance's result; its plan is what ran unless given. */
export function instanceResult(instance: string, status: InstanceResult['status'], steps: TaskResult[] = [], tests: TaskResult[] = [], over: Partial<InstanceResult> = {}): InstanceResult {
  return {
    instance,
    suite: 's',
    platform: 'p',
    driver: 'lxc',
    image: 'busybox',
    status,
    plan: planOf(
      steps.map((s) => s.name),
      tests.map((t) => t.name),
    ),
    steps,
    tests,
    startedAt: new Date('2026-01-02T03:04:05Z'),
    durationMs: 1500,
    ...over,
  }
}
