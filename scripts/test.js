// Runs the uvu tests compiled to dist/test and ends with the one line CI reads: `N passed, N failed`.
// Usage: node scripts/test.js [folder under dist/test, e.g. config or e2e]
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const dir = process.argv[2] ? `dist/test/${process.argv[2]}` : 'dist/test'
const child = spawn(process.execPath, ['node_modules/uvu/bin.js', dir, '\\.test\\.js$'], {
  cwd: root,
  env: {...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '128', TZ: 'UTC'},
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
  process.exit(code ?? 1)
})
