// Runs the uvu tests compiled to dist/test and ends with the one line CI reads: `N passed, N failed`.
// Usage: node scripts/test.js [FOLDER...] [--exclude FOLDER...]
//   node scripts/test.js                          every test
//   node scripts/test.js config lifecycle         the tests of those folders under test/
//   node scripts/test.js --exclude drivers e2e    every test but those folders' (npm run test:unit)
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const only = []
const excluded = []
let into = only
for (const arg of process.argv.slice(2)) {
  if (arg === '--exclude') into = excluded
  else into.push(arg.replace(/\/+$/, ''))
}
// A misspelt folder would select no test and pass: refuse it instead.
const unknown = [...only, ...excluded].filter((folder) => !existsSync(`${root}/dist/test/${folder}`))
if (unknown.length > 0) {
  console.error(`no folder dist/test/${unknown.join(', dist/test/')}: name folders under test/ (and run npm run build first)`)
  process.exit(2)
}
const either = (folders) => `(?:${folders.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`
const pattern = only.length ? `^${either(only)}/.*\\.test\\.js$` : '\\.test\\.js$'
const ignore = excluded.length ? ['--ignore', `^${either(excluded)}(/|$)`] : []
// Galley's store defaults to /var/lib/galley, which only root may write: another user's tests get a
// store of their own for the run (tests of the engines need root anyway).
const store = process.env.GALLEY_HOME || process.getuid?.() === 0 ? undefined : mkdtempSync(path.join(tmpdir(), 'galley-test-home-'))
const child = spawn(process.execPath, ['node_modules/uvu/bin.js', 'dist/test', pattern, ...ignore], {
  cwd: root,
  env: {...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '128', TZ: 'UTC', ...(store ? {GALLEY_HOME: store} : {})},
  stdio: ['ignore', 'pipe', 'inherit'],
})
let out = ''
let lingering = false
child.stdout.on('data', (chunk) => {
  out += chunk
  process.stdout.write(chunk)
  // uvu has printed its summary; a process that then does not exit was kept alive by a handle a
  // test left open (a socket, a timer). That is a defect to see, not a CI run to hang.
  if (/Duration:/.test(out) && !lingering) {
    lingering = true
    setTimeout(() => {
      console.log('the test process did not exit 30 s after its summary: a test left a handle open')
      child.kill('SIGKILL')
    }, 30_000).unref()
  }
})
child.on('close', (code) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '')
  const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0)
  const total = count('Total')
  const passed = count('Passed')
  const skipped = count('Skipped')
  // uvu stops without a summary when a test file crashes; count that as a failure.
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1)
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''))
  if (store) rmSync(store, {recursive: true, force: true})
  process.exit(code ?? 1)
})
