/**
 * The HTML report as a person sees it: a real run on LXC (one instance passes, one fails at a
 * step), its page opened in headless Chromium (Debian's package, which scripts/setup.sh installs),
 * and what the browser shows checked; the screenshot stays for a look (its path is printed).
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers} from './cli.js'

const CHROMIUM = '/usr/bin/chromium'
const SHOTS = path.join(tmpdir(), 'galley-e2e-html')

/** Chromium as these tests run it: headless, offline, with a profile of its own each time. */
function chromium(args: string[]): {code: number; stdout: string; stderr: string} {
  const profile = mkdtempSync(path.join(tmpdir(), 'galley-chromium-'))
  try {
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`]
    const r = spawnSync(CHROMIUM, [...flags, ...args], {encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20})
    return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
  } finally {
    rmSync(profile, {recursive: true, force: true})
  }
}

const Html = suite<{root: string}>('HTML report in Chromium')

Html.before((ctx) => {
  ctx.root = makeProject({
    'galley.yml': `platforms:
  - name: bb
    image: {bootstrap: busybox}
suites:
  - name: htmlok
    provisioner: {steps: [{run: 'echo ready > /ready'}]}
    verifier: {tests: [{name: ready, run: 'grep -q ready /ready'}]}
  - name: htmlbad
    provisioner: {steps: [{run: 'echo first'}, {name: broken step, run: 'echo about to fail >&2; exit 4'}]}
    verifier: {tests: [{run: 'true'}]}
`,
  })
})

Html.after(async (ctx) => {
  galley(ctx.root, 'destroy')
  assert.equal(await leftovers(ctx.root), [])
  removeProject(ctx.root)
})

Html('test --html writes a page Chromium shows: a row per instance, the matrix, the failing step named with its output', async (ctx) => {
  assert.ok(existsSync(CHROMIUM), 'chromium is missing: run scripts/setup.sh')
  const page = path.join(ctx.root, 'report.html')
  const r = galley(ctx.root, 'test', '--html', page)
  assert.is(r.code, 1, r.stdout + r.stderr)
  assert.match(r.stdout, /HTML: report.html\./)
  const dom = chromium(['--dump-dom', `file://${page}`])
  assert.is(dom.code, 0, dom.stderr)
  const rows = [...dom.stdout.matchAll(/<tr class="instance" data-instance="([^"]+)" data-status="([^"]+)">/g)].map((m) => [m[1], m[2]])
  assert.equal(rows, [['htmlok-bb', 'passed'], ['htmlbad-bb', 'failed']])
  assert.match(dom.stdout, /converge: <b class="failed-step">broken step<\/b>/)
  assert.match(dom.stdout, /about to fail/)
  assert.match(dom.stdout, /written at: <code>galley.yml:\d+<\/code>/)
  assert.is(dom.stdout.match(/<div class="inst /g)?.length, 2, 'each instance on the timeline')
  mkdirSync(SHOTS, {recursive: true})
  const shot = path.join(SHOTS, 'test-html.png')
  const s = chromium(['--window-size=1280,1400', `--screenshot=${shot}`, `file://${page}`])
  assert.is(s.code, 0, s.stderr)
  assert.ok(existsSync(shot))
  console.log(`  screenshot: ${shot}`)
})

Html('report html --junit shows what the JUnit file holds', async (ctx) => {
  const page = path.join(ctx.root, 'from-junit.html')
  const r = galley(ctx.root, 'report', 'html', '--junit', '.galley/junit.xml', '-o', page)
  assert.is(r.code, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /2 instances \(1 failed\)/)
  const dom = chromium(['--dump-dom', `file://${page}`])
  assert.is(dom.stdout.match(/<tr class="instance"/g)?.length, 2)
  assert.match(dom.stdout, /converge: <b class="failed-step">broken step<\/b>/)
  assert.match(dom.stdout, /From JUnit alone/)
  const shot = path.join(SHOTS, 'report-html-junit.png')
  chromium(['--window-size=1280,1000', `--screenshot=${shot}`, `file://${page}`])
  console.log(`  screenshot: ${shot}`)
})

Html.run()
