/**
 * The bats verifier: runs each .bats file (named, in a folder, or matched by a glob) with the
 * instance's own bats (Debian's `bats` package, installed with apt-get when missing on a Debian
 * platform) and turns its TAP into test cases.
 */
import {readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import {PROJECT_DIR, type TaskResult} from '../model.js'
import {expandGlob, isGlob} from './glob.js'
import {parseTap} from './tap.js'
import type {VerifyContext} from './context.js'
import {defineVerifier, type ReadContext} from './plugin.js'
import {USER_SCHEMA} from './user.js'

/** One .bats file to run (or, when nothing matched, the folder or glob as written, reported then), and the user it runs as. */
export interface BatsEntry {
  file: string
  user?: string
  /** A folder that holds no .bats file: a failed case says so. */
  empty?: boolean
}

/** The .bats files of a folder, as bats itself runs a folder (not its subfolders). */
function folderFiles(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.bats') && statSync(path.join(root, dir, f), {throwIfNoEntry: false})?.isFile())
    .sort()
    .map((f) => path.posix.join(dir.replace(/^\.\/|\/+$/g, ''), f))
}

/** An entry as written (a path, a folder or a glob; alone or with `user:`) as the files it names. */
function readEntry(raw: unknown, ctx: ReadContext): BatsEntry[] {
  const e = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {path: raw}
  const written = String(e.path)
  const user = e.user !== undefined ? String(e.user) : ctx.user
  const withUser = (file: string, extra: Partial<BatsEntry> = {}): BatsEntry => ({file, ...(user !== undefined ? {user} : {}), ...extra})
  if (isGlob(written)) {
    const files = expandGlob(ctx.root, written).filter((f) => f.endsWith('.bats'))
    return files.length > 0 ? files.map((f) => withUser(f)) : [withUser(written)]
  }
  if (statSync(path.join(ctx.root, written), {throwIfNoEntry: false})?.isDirectory()) {
    const files = folderFiles(ctx.root, written)
    return files.length > 0 ? files.map((f) => withUser(f)) : [withUser(written, {empty: true})]
  }
  return [withUser(written)]
}

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

async function runBats(entries: BatsEntry[], ctx: VerifyContext): Promise<void> {
  const missing = await ensureBats(ctx)
  for (const [index, {file, user, empty}] of entries.entries()) {
    const label = `bats ${file}`
    ctx.start(label, index, entries.length)
    if (missing || empty) {
      ctx.end(failedCase(label, file, missing ?? `the folder ${file} holds no .bats file`))
      continue
    }
    const started = performance.now()
    const r = await ctx.exec(['bats', '--tap', `${PROJECT_DIR}/${file.replace(/^\.\//, '')}`], {task: label, ...(user !== undefined ? {user} : {})})
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

export const batsVerifier = defineVerifier<BatsEntry>({
  key: 'bats',
  summary: ".bats files (a file, a folder of them or a glob; optionally {path, user}) run with the instance's bats, each of their tests one case",
  schema: {kind: 'seq', items: {kind: 'map', keys: {path: {kind: 'string'}, user: USER_SCHEMA}, required: ['path'], orString: 'a .bats file, a folder of them or a glob'}},
  read: (raw, ctx) => raw.flatMap((entry) => readEntry(entry, ctx)),
  files: (entries) => entries.filter((e) => !e.empty).map((e) => e.file),
  planned: (entries) => entries.map(({file}) => ({name: `bats ${file}`, command: `bats ${file}`, source: {file}})),
  run: runBats,
})
