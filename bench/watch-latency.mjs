// How soon `galley test --watch` shows the result of an edit: a busybox instance with two script
// steps and a test; the last step is edited N times, each time timed from the write to the
// instance's status line (the step runs again from the cache, then the test). Ctrl-C at the end.
// Usage: node bench/watch-latency.mjs [edits] [--driver lxc|docker]   (as root, after npm run build)
import {spawn} from 'node:child_process'
import {appendFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {stats} from './lib.mjs'

const n = Number(process.argv[2] ?? 5)
const driver = process.argv.includes('--driver') ? process.argv[process.argv.indexOf('--driver') + 1] : 'lxc'
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const root = mkdtempSync(path.join(tmpdir(), 'galley-bench-watch-'))
writeFileSync(path.join(root, 'galley.yml'), `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: watched
    provisioner: {steps: [{script: first.sh}, {script: last.sh}]}
    verifier: {tests: [{run: 'test -f /last'}]}
`)
writeFileSync(path.join(root, 'first.sh'), 'echo first > /first\n')
writeFileSync(path.join(root, 'last.sh'), 'echo last > /last\n')

const child = spawn(process.execPath, [bin, 'test', '--watch', '--driver', driver], {cwd: root, env: {...process.env, CI: 'true', NO_COLOR: '1'}})
let output = ''
child.stdout.on('data', (b) => (output += b))
child.stderr.on('data', (b) => (output += b))
const until = async (re, from) => {
  const limit = Date.now() + 120_000
  while (!re.test(output.slice(from))) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${re}:\n${output}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
try {
  await until(/watching 1 instance/, 0)
  const times = []
  for (let i = 0; i < n; i++) {
    const from = output.length
    const t = performance.now()
    appendFileSync(path.join(root, 'last.sh'), `echo ${i} >> /last\n`)
    await until(/watched-bb {2}passed {2}converge 1 run, 1 cached · verify 1\/1/, from)
    times.push(performance.now() - t)
    await new Promise((r) => setTimeout(r, 300))
  }
  console.log(`test --watch on ${driver}: edit of the last of two steps to its status line (step from the cache, test), ${n} edits`)
  console.log(`  ${stats(times)}`)
} finally {
  child.kill('SIGINT')
  const code = await new Promise((resolve) => child.on('close', resolve))
  console.log(`  Ctrl-C: exit ${code}`)
  rmSync(root, {recursive: true, force: true})
}
