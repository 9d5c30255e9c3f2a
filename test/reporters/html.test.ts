import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {formatHtml} from '../../src/reporters/html.js'
import {reportOfJunit, reportOfResults} from '../../src/reporters/html-model.js'
import {instanceResult, taskResult} from '../fakes/results.js'

const Html = suite('HTML report')

const t0 = Date.parse('2026-01-02T03:04:05Z')
const results = [
  instanceResult('web-busybox', 'passed', [taskResult('setup', {kind: 'step', cached: true, durationMs: 0})], [taskResult('serves')], {
    suite: 'web',
    platform: 'busybox',
    lane: 0,
    timeline: [
      {phase: 'create', start: t0, end: t0 + 40},
      {phase: 'converge', start: t0 + 40, end: t0 + 50},
      {phase: 'converge', task: {kind: 'step', name: 'setup', ok: true, cached: true}, start: t0 + 45, end: t0 + 45},
      {phase: 'verify', start: t0 + 50, end: t0 + 90},
    ],
  }),
  instanceResult('db-busybox', 'failed', [taskResult('install <db>', {kind: 'step', ok: false, exitCode: 3, message: 'step `install <db>` exited with 3', command: 'apt-get install db', source: {file: 'recipes/db.sh', line: 4}, outputTail: 'E: no such package'})], [], {
    suite: 'db',
    platform: 'busybox',
    failedIn: 'converge',
    lane: 1,
    timeline: [{phase: 'converge', start: t0 + 10, end: t0 + 200}],
  }),
]

Html('one self-contained page: a row per instance, the matrix, the failing step with what ran and where it is written', () => {
  const page = formatHtml(reportOfResults(results, {title: 'galley test', logs: '.galley/logs'}))
  assert.not.match(page, /<script|<link|src=|https?:\/\//)
  assert.is(page.match(/<tr class="instance"/g)?.length, 2)
  assert.match(page, /data-instance="db-busybox" data-status="failed">.*converge: <b class="failed-step">install &#60;db&#62;<\/b>/)
  assert.match(page, /ran: <code>apt-get install db<\/code>/)
  assert.match(page, /written at: <code>recipes\/db.sh:4<\/code>/)
  assert.match(page, /full output: <code>.galley\/logs\/db-busybox.log<\/code>/)
  assert.match(page, /E: no such package/)
  assert.match(page, /<th>web<\/th><td data-instance="web-busybox">.*1 cached/)
  assert.is(page.match(/<div class="lane">/g)?.length, 2)
  assert.match(page, /class="tick cached"/)
})

Html('from JUnit alone: instances, cases and failures, lanes inferred from start times', () => {
  const xml = `<?xml version="1.0"?><testsuites><testsuite name="web-busybox" timestamp="2026-01-02T03:04:05" time="1.5"><properties><property name="platform" value="busybox"/><property name="suite" value="web"/></properties>
<testcase classname="web-busybox.converge" name="setup" time="0"><system-out>restored from the step cache</system-out></testcase>
<testcase classname="web-busybox.verify" name="serves" time="0.2"><failure message="test \`serves\` exited with 1" type="TestFailed">ran: curl localhost
written at: galley.yml:12

connection refused</failure></testcase></testsuite></testsuites>`
  const report = reportOfJunit(xml, 'all.xml')
  assert.is(report.instances[0].status, 'failed')
  assert.equal(report.instances[0].cases.map((c) => [c.phase, c.name, c.status, c.cached ?? false]), [['converge', 'setup', 'passed', true], ['verify', 'serves', 'failed', false]])
  assert.equal([report.instances[0].cases[1].command, report.instances[0].cases[1].at, report.instances[0].cases[1].output], ['curl localhost', 'galley.yml:12', 'connection refused'])
  const page = formatHtml(report)
  assert.match(page, /From JUnit alone/)
  assert.is(page.match(/<tr class="instance"/g)?.length, 1)
  assert.match(page, /verify: <b class="failed-step">serves<\/b>/)
})

Html.run()
