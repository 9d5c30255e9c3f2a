/**
 * The bats verifier: runs each .bats file with the instance's own bats (Debian's `bats` package,
 * installed with apt-get when missing on a Debian platform) and turns its TAP into test cases.
 */
import {PROJECT_DIR, type TaskResult} from '../model.js'
import {parseTap} from './tap.js'
import type {VerifyContext} from './context.js'
import {defineVerifier} from './plugin.js'

const INSTALL = 'export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends bats'

function failedCase(name: string, group: string, message: string, outputTail = message): TaskResult {
  return {kind: 'test', name, group, ok: false, exitCode: 1, expected: 0, durationMs: 0, outputTail, message}
}

/** Makes sure `bats` runs in the instance; the reason it cannot otherwise. */
async function ensureBats(ctx: VerifyContext): Promise<string | undefined> {
  const found = await ctx.exec(['/bin/sh', '-c', 'command -v bats || { command -v apt-get >/dev/null && echo apt; }'])
  const out = found.stdout.trim()
  if (out && out !== 'apt') return undefined
  if (out !== 'apt') return 'bats is not installed in the instance, and it has no apt-get to install it with: install bats in a converge step'
  ctx.note("bats is not installed in the instance: installing Debian's bats package with apt-get (add it to a converge step to skip this)")
  const r = await ctx.exec(['/bin/sh', '-c', INSTALL], {task: 'install bats'})
  if (r.exitCode !== 0) return `installing bats with apt-get failed (exit ${r.exitCode}): ${(r.stderr.trim().split('\n').pop() ?? '').trim()}`
  return undefined
}

async function runBats(files: string[], ctx: VerifyContext): Promise<void> {
  const missing = await ensureBats(ctx)
  for (const [index, file] of files.entries()) {
    const label = `bats ${file}`
    ctx.start(label, index, files.length)
    if (missing) {
      ctx.end(failedCase(label, file, missing))
      continue
    }
    const started = performance.now()
    const r = await ctx.exec(['bats', '--tap', `${PROJECT_DIR}/${file.replace(/^\.\//, '')}`], {task: label})
    const elapsed = performance.now() - started
    const tap = parseTap(r.stdout)
    const share = tap.cases.length ? elapsed / tap.cases.length : elapsed
    for (const c of tap.cases) {
      const text = c.diagnostics.join('\n')
      const message = c.ok ? undefined : (c.diagnostics.find((d) => /failed/.test(d))?.trim() ?? `not ok ${c.number}`)
      ctx.end({kind: 'test', name: c.name, group: file, ok: c.ok, skipped: c.skipped || undefined, exitCode: c.ok ? 0 : 1, expected: 0, durationMs: share, outputTail: c.skipped && c.reason ? `skipped: ${c.reason}` : text, message})
    }
    const lastRan = tap.cases.at(-1)?.number ?? 0
    if (tap.bailOut) ctx.end(failedCase(`${label}: bail out`, file, `bats bailed out: ${tap.bailOut}`))
    else if (tap.planned !== undefined && lastRan < tap.planned) ctx.end(failedCase(`${label}: tests ${lastRan + 1}..${tap.planned}`, file, `bats planned ${tap.planned} tests and reported ${lastRan}`, r.stderr.slice(-2000)))
    else if (tap.cases.length === 0 || (r.exitCode !== 0 && tap.cases.every((c) => c.ok))) {
      const why = tap.cases.length === 0 ? 'reported no tests' : 'reported no failure'
      ctx.end(failedCase(label, file, `bats exited with ${r.exitCode} and ${why}`, (r.stderr || r.stdout).slice(-2000)))
    }
  }
}

export const batsVerifier = defineVerifier<string>({
  key: 'bats',
  summary: ".bats files run with the instance's bats, each of their tests one case",
  schema: {kind: 'seq', items: {kind: 'string', pattern: /\.bats$/, what: 'a path to a .bats file'}},
  read: (raw) => raw.map(String),
  files: (entries) => entries,
  planned: (entries) => entries.map((file) => ({name: `bats ${file}`, command: `bats ${file}`, source: {file}})),
  run: runBats,
})
