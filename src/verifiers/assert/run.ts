/**
 * The built-in `assert` verifier: declarative checks of files, packages, services, users, ports,
 * processes, commands, HTTP and more, that need nothing installed in the image. Each batch of
 * checks is one shell script run through the driver's exec (./probe.ts); each kind's judge
 * (./<kind>.ts) compares the facts it reports with what galley.yml expects, so every failure says
 * what was expected and what was found.
 */
import type {Assertion} from '../../config/types.js'
import type {TaskResult} from '../../model.js'
import type {VerifyContext} from '../context.js'
import {defineVerifier} from '../plugin.js'
import {assertionSchema, assertKind, readAssertions} from './index.js'
import type {AssertVerdict, Facts} from './kind.js'
import {batchScript, parseFacts} from './probe.js'

const RETRY_INTERVAL_MS = 1000

/** Judges one assertion on the facts its probe reported. */
export function judge(a: Assertion, facts: Facts = new Map()): AssertVerdict {
  const kind = assertKind(a.kind)
  if (!kind) return {ok: false, message: `unknown assertion kind ${a.kind}`}
  return kind.judge(a, facts)
}

/** Runs one probe script for `batch` and judges each assertion on its facts. */
async function checkBatch(batch: Assertion[], ctx: VerifyContext): Promise<AssertVerdict[]> {
  const {script, marker} = batchScript(batch)
  const r = await ctx.exec(['/bin/sh', '-c', script])
  const facts = parseFacts(r.stdout, marker)
  return batch.map((a, i) => {
    if (!facts[i]) return {ok: false, message: `could not check: the probe script exited with ${r.exitCode} before reaching this assertion`, detail: r.stderr.slice(-2000)}
    try {
      return judge(a, facts[i])
    } catch (error) {
      return {ok: false, message: `could not judge the facts found: ${(error as Error).message}`}
    }
  })
}

/**
 * Checks every assertion, batched into one exec; those that fail and have `retry:` or `timeout:`
 * are checked again, a second apart, until they pass or run out of tries or time. Results are
 * reported in the order galley.yml lists the assertions, each as soon as those before it are done.
 */
export async function runAssertions(assertions: Assertion[], ctx: VerifyContext): Promise<TaskResult[]> {
  const results: (TaskResult | undefined)[] = assertions.map(() => undefined)
  let reported = 0
  const report = () => {
    for (; reported < results.length && results[reported]; reported++) {
      const result = results[reported]!
      ctx.start(result.name, reported, assertions.length)
      if (!result.ok) ctx.output(result.name, `${result.outputTail}\n`)
      ctx.end(result)
    }
  }
  const started = performance.now()
  let pending = assertions.map((a, index) => ({a, index, tries: 0}))
  while (pending.length > 0 && !ctx.signal.aborted) {
    const batchStart = performance.now()
    const verdicts = await checkBatch(
      pending.map((p) => p.a),
      ctx,
    )
    const batchMs = performance.now() - batchStart
    const next: typeof pending = []
    pending.forEach((p, k) => {
      const v = verdicts[k]
      p.tries++
      const elapsed = performance.now() - started
      const triesLeft = p.tries <= p.a.retry
      const timeLeft = p.a.timeoutMs !== undefined && elapsed + RETRY_INTERVAL_MS < p.a.timeoutMs
      const canRetry = p.a.timeoutMs !== undefined && p.a.retry > 0 ? triesLeft && timeLeft : triesLeft || timeLeft
      if (!v.ok && canRetry) {
        if (p.tries === 1) ctx.note(`${p.a.name}: ${v.message}; checking again` + (p.a.timeoutMs !== undefined ? ` for up to ${p.a.timeoutMs / 1000}s` : ` up to ${p.a.retry} times`))
        next.push(p)
        return
      }
      results[p.index] = {
        kind: 'test',
        name: p.a.name,
        command: `assert ${p.a.kind}: ${p.a.target}`,
        ok: v.ok,
        exitCode: v.ok ? 0 : 1,
        expected: 0,
        // The first batch checks all at once: each gets its share of the time; a retried one, its wait.
        durationMs: p.tries === 1 ? batchMs / pending.length : elapsed,
        ...(p.a.source ? {source: p.a.source} : {}),
        outputTail: [v.message, p.tries > 1 ? `(checked ${p.tries} times over ${(elapsed / 1000).toFixed(1)}s)` : '', v.ok ? '' : v.detail].filter(Boolean).join('\n'),
        message: v.message,
      }
    })
    report()
    pending = next
    if (pending.length > 0) await ctx.sleep(RETRY_INTERVAL_MS)
  }
  return results.filter((r): r is TaskResult => r !== undefined)
}

export const assertVerifier = defineVerifier<Assertion>({
  key: 'assert',
  summary: 'built-in checks of files, packages, services, users, ports, processes, commands, HTTP, kernel parameters and mounts',
  schema: {kind: 'seq', items: assertionSchema},
  read: (raw, ctx) =>
    readAssertions(raw as Record<string, unknown>[]).map((a) => {
      const source = ctx.source('assert', a.kind, a.target)
      return source ? {...a, source} : a
    }),
  planned: (entries) => entries.map((a) => ({name: a.name, command: `assert ${a.kind}: ${a.target}`, ...(a.source ? {source: a.source} : {})})),
  run: async (entries, ctx) => void (await runAssertions(entries, ctx)),
})
