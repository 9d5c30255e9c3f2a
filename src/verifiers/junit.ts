/**
 * JUnit ingestion: runs a command that writes a JUnit report inside the instance (pytest and
 * testinfra, serverspec, bats --formatter junit), reads the report back and reports its test cases
 * as the instance's own.
 */
import type {TaskResult} from '../model.js'
import type {VerifyContext} from './context.js'
import {defineVerifier} from './plugin.js'
import {USER_SCHEMA} from './user.js'

/** A command that writes a JUnit report, whose test cases join Galley's. */
export interface JunitCommandSpec {
  name: string
  run: string
  /** Where the command writes its report inside the instance, relative to the project folder. */
  report: string
  env: Record<string, string>
  /** The user of the instance it runs as; root when unset. */
  user?: string
}

const MAX_REPORT_BYTES = 16 << 20

function failedCase(name: string, message: string, outputTail = message): TaskResult {
  return {kind: 'test', name, ok: false, exitCode: 1, expected: 0, durationMs: 0, outputTail, message}
}

async function runJunitCommands(commands: JunitCommandSpec[], ctx: VerifyContext): Promise<void> {
  // Loaded here, not at start-up: only suites with JUnit commands need an XML parser.
  const {NotJunitError, parseJunitReport} = await import('./junit-report.js')
  for (const [index, cmd] of commands.entries()) {
    ctx.start(cmd.name, index, commands.length)
    // An old report must not pass for this run's.
    await ctx.exec(['/bin/sh', '-c', 'rm -f -- "$1"', 'galley', cmd.report])
    const run = await ctx.exec(['/bin/sh', '-c', cmd.run], {env: cmd.env, task: cmd.name, ...(cmd.user !== undefined ? {user: cmd.user} : {})})
    const tail = (run.stdout + run.stderr).slice(-4000)
    const read = await ctx.exec(['/bin/sh', '-c', `head -c ${MAX_REPORT_BYTES} -- "$1"`, 'galley', cmd.report])
    if (read.exitCode !== 0) {
      ctx.end(failedCase(cmd.name, `wrote no report at ${cmd.report} (the command exited with ${run.exitCode})`, tail))
      continue
    }
    let cases
    try {
      cases = parseJunitReport(read.stdout)
    } catch (error) {
      if (!(error instanceof NotJunitError)) throw error
      ctx.end(failedCase(cmd.name, `the report at ${cmd.report} is not JUnit XML: ${error.message}`, tail))
      continue
    }
    for (const c of cases) {
      ctx.end({kind: 'test', name: c.name, group: c.classname, ok: c.ok, skipped: c.skipped || undefined, exitCode: c.ok ? 0 : 1, expected: 0, durationMs: c.timeMs, outputTail: c.text, message: c.message})
    }
    if (cases.length === 0) ctx.end(failedCase(cmd.name, `the report at ${cmd.report} lists no test cases (the command exited with ${run.exitCode})`, tail))
    else if (run.exitCode !== 0 && cases.every((c) => c.ok)) ctx.end(failedCase(cmd.name, `exited with ${run.exitCode}, but its report lists no failure`, tail))
  }
}

export const junitVerifier = defineVerifier<JunitCommandSpec>({
  key: 'junit',
  summary: 'a command that writes a JUnit report (pytest, testinfra, serverspec), whose cases join the instance\'s',
  schema: {kind: 'seq', items: {kind: 'map', keys: {name: {kind: 'string'}, run: {kind: 'string'}, report: {kind: 'string'}, env: {kind: 'env'}, user: USER_SCHEMA}, required: ['run', 'report']}},
  read: (raw, ctx) =>
    raw.map((entry) => {
      const j = entry as Record<string, unknown>
      const user = j.user !== undefined ? String(j.user) : ctx.user
      return {name: String(j.name ?? j.run), run: String(j.run), report: String(j.report), env: ctx.env(j.env), ...(user !== undefined ? {user} : {})}
    }),
  planned: (entries) => entries.map((j) => ({name: j.name, command: j.run})),
  run: runJunitCommands,
})
