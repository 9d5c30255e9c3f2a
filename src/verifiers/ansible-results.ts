/** Galley's Ansible callback's JSON lines (one per task result) as test cases. */
import type {SourceRef, TaskResult} from '../model.js'

/** One task result as the callback writes it. */
export interface AnsibleTaskResult {
  event: 'result'
  status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable'
  host: string
  task: string
  action: string
  /** The task's file and first line, as Ansible loaded it (`/abs/file.yml:12`). */
  path?: string
  uuid?: string
  msg?: unknown
  assertion?: string
  stdout?: string
  stderr?: string
  module_stderr?: string
  exception?: string
  skip_reason?: string
  false_condition?: string
  item?: unknown
  ignored?: boolean
  rescued?: boolean
  loop_item?: boolean
  censored?: boolean
  duration?: number
}

export interface CaseOptions {
  /** The instance's host name in the inventory: other hosts' results are named after their host. */
  host: string
  /** The group of every case (the playbook). */
  group: string
  command: string
  /** A path in the instance as the project file it is, when it is one. */
  toProject(file: string): string | undefined
}

/** Module actions that only load more tasks; their own result is not a test. */
export const LOADERS = /(?:^|\.)(?:include_tasks|include_role|import_tasks|import_role|include|gather_facts|setup)$/

/** Reads the callback's lines; lines that are not results (the recap, blanks, a torn last line) are left out. */
export function readResults(text: string): AnsibleTaskResult[] {
  const out: AnsibleTaskResult[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      const r = JSON.parse(line) as Partial<AnsibleTaskResult>
      if (r.event === 'result' && typeof r.task === 'string' && typeof r.status === 'string') out.push(r as AnsibleTaskResult)
    } catch {
      continue
    }
  }
  return out
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v))

/** Why a task failed, in one line: its message, and the assertion that was false when the message does not say it. */
function failureMessage(r: AnsibleTaskResult, item?: AnsibleTaskResult): string {
  const from = item ?? r
  const msg = text(from.msg).split('\n')[0].trim() || `${r.action} failed`
  const withAssertion = from.assertion && !msg.includes(from.assertion) ? `${msg} (assertion: ${from.assertion})` : msg
  return item ? `item ${text(item.item)}: ${withAssertion}` : withAssertion
}

function details(r: AnsibleTaskResult): string {
  const lines = [text(r.msg), r.assertion ? `assertion: ${r.assertion}` : '', r.stdout ?? '', r.stderr ?? '', r.module_stderr ?? '', r.exception ?? '']
  return lines.filter(Boolean).join('\n').slice(-4000)
}

function sourceOf(r: AnsibleTaskResult, options: CaseOptions): SourceRef | undefined {
  const m = /^(.*):(\d+)$/.exec(r.path ?? '')
  const file = m ? options.toProject(m[1]) : undefined
  return file ? {file, line: Number(m![2])} : undefined
}

/**
 * One test case per task result: passed (also a failure its play ignores or its block rescues),
 * skipped, or failed with the message of the failed assert or fail and where the task is written.
 * The implicit fact gathering and task includes are cases only when they fail.
 */
export function resultsToCases(results: AnsibleTaskResult[], options: CaseOptions): TaskResult[] {
  const firstFailedItem = new Map<string, AnsibleTaskResult>()
  for (const r of results) if (r.loop_item && r.status === 'failed' && r.uuid && !firstFailedItem.has(r.uuid)) firstFailedItem.set(r.uuid, r)
  const cases: TaskResult[] = []
  for (const r of results) {
    if (r.loop_item) continue
    const failed = r.status === 'failed' || r.status === 'unreachable'
    if (!failed && LOADERS.test(r.action)) continue
    const excused = failed && (r.ignored || r.rescued)
    const item = r.uuid ? firstFailedItem.get(r.uuid) : undefined
    const source = sourceOf(r, options)
    const base = {
      kind: 'test' as const,
      name: r.host === options.host ? r.task : `${r.task} [${r.host}]`,
      group: options.group,
      expected: 0,
      durationMs: Math.round((r.duration ?? 0) * 1000),
      command: options.command,
      ...(source ? {source} : {}),
    }
    if (r.status === 'skipped') {
      cases.push({...base, ok: true, skipped: true, exitCode: 0, outputTail: text(r.skip_reason ?? r.false_condition ?? 'skipped')})
    } else if (!failed || excused) {
      const note = excused ? `failed, ${r.rescued ? 'then rescued by its block' : 'ignored (ignore_errors)'}: ${failureMessage(r, item)}` : details(r)
      cases.push({...base, ok: true, exitCode: 0, outputTail: r.censored ? '(output hidden by no_log)' : note})
    } else {
      cases.push({...base, ok: false, exitCode: 1, message: r.censored ? `${r.task} failed (output hidden by no_log)` : failureMessage(r, item), outputTail: r.censored ? '' : details(item ?? r)})
    }
  }
  return cases
}
