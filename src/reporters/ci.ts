/**
 * What CI services show besides the log: GitHub's workflow commands (an ::error annotation per
 * failing step or test, at its file and line when known) and its job summary (a Markdown table in
 * $GITHUB_STEP_SUMMARY). GitLab folds sections and reads the JUnit report; it needs nothing more.
 */
import {appendFileSync} from 'node:fs'
import path from 'node:path'
import type {InstanceResult, SourceRef, TaskResult} from '../model.js'

export type CiService = 'github' | 'gitlab' | 'other'

export function detectCi(env: NodeJS.ProcessEnv = process.env): CiService | undefined {
  if (env.GITHUB_ACTIONS === 'true') return 'github'
  if (env.GITLAB_CI) return 'gitlab'
  return env.CI && env.CI !== 'false' && env.CI !== '0' ? 'other' : undefined
}

// Workflow command escaping: data escapes %, CR and LF; property values also : and ,.
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

/** bats names the file and line of a failing test in its TAP diagnostics. */
export function batsSource(text: string | undefined): SourceRef | undefined {
  const m = /in test file (\S+?), line (\d+)/.exec(text ?? '')
  return m ? {file: m[1], line: Number(m[2])} : undefined
}

function locate(t: TaskResult, root: string, workspace: string): {file?: string; line?: number} {
  const source = batsSource(t.outputTail) ?? batsSource(t.message) ?? t.source
  if (!source) return {}
  // A runner may name its file as seen inside the instance (the project is at /tmp/galley there).
  const rel = source.file.replace(/^\/tmp\/galley\//, '')
  const file = path.relative(workspace, path.resolve(root, rel))
  return {file: file.startsWith('..') ? undefined : file, line: source.line}
}

/** One ::error line per failing step or test, and per instance that failed for another reason. */
export function githubAnnotations(results: InstanceResult[], root: string, workspace = process.env.GITHUB_WORKSPACE || process.cwd()): string[] {
  const out: string[] = []
  for (const r of results) {
    const failed = [...r.steps, ...r.tests].filter((t) => !t.ok)
    for (const t of failed) {
      const {file, line} = locate(t, root, workspace)
      const props = [file && `file=${escapeProperty(file)}`, line && `line=${line}`, `title=${escapeProperty(`${r.instance}: ${t.kind} ${t.name}`)}`].filter(Boolean).join(',')
      out.push(`::error ${props}::${escapeData(`${t.kind === 'step' ? 'step' : 'test'} ${t.name} failed on ${r.instance}: ${t.message ?? `exit ${t.exitCode}`}`)}`)
    }
    if (failed.length === 0 && (r.status === 'failed' || r.status === 'error')) {
      out.push(`::error title=${escapeProperty(`${r.instance}: ${r.failedIn ?? r.status}`)}::${escapeData(`${r.instance} ${r.status}${r.failedIn ? ` in ${r.failedIn}` : ''}: ${r.message ?? ''}`)}`)
    }
  }
  return out
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** The job summary: a table of instances and what failed. */
export function stepSummary(results: InstanceResult[]): string {
  const icon: Record<InstanceResult['status'], string> = {passed: '✅', failed: '❌', error: '💥', skipped: '⏭️', interrupted: '⏹️'}
  const passed = results.filter((r) => r.status === 'passed').length
  const lines = [
    `### Galley: ${passed} of ${results.length} instances passed`,
    '',
    '| Instance | Result | Stopped in | Steps | Tests | Time |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${cell(r.instance)} | ${icon[r.status]} ${r.status} | ${r.failedIn ?? ''} | ${r.steps.filter((s) => s.ok).length}/${r.steps.length} | ${r.tests.filter((t) => t.ok).length}/${r.tests.length} | ${(r.durationMs / 1000).toFixed(1)}s |`,
    ),
  ]
  const failures = results.flatMap((r) => [...r.steps, ...r.tests].filter((t) => !t.ok).map((t) => `- **${cell(r.instance)}** ${t.kind} \`${cell(t.name)}\`: ${cell(t.message ?? `exit ${t.exitCode}`)}`))
  if (failures.length) lines.push('', '#### Failures', '', ...failures)
  return lines.join('\n') + '\n'
}

/** Writes what the CI service shows besides the log, after a run. */
export function reportToCi(results: InstanceResult[], root: string, out: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): void {
  if (detectCi(env) !== 'github') return
  for (const line of githubAnnotations(results, root)) out.write(line + '\n')
  if (env.GITHUB_STEP_SUMMARY) {
    try {
      appendFileSync(env.GITHUB_STEP_SUMMARY, stepSummary(results))
    } catch {
      // No summary file to write: the annotations and the log still say it all.
    }
  }
}
