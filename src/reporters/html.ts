/**
 * One self-contained HTML file (inline styles, no script, nothing fetched): the instance matrix
 * (suite × platform), a row per instance, the timeline of every instance on its concurrency lane
 * (each action, each step run or restored from the cache), and each failure with its output, what
 * ran and where it is written.
 */
import {writeFileAtomic} from '../files.js'
import type {TimelineSpan} from '../model.js'
import type {HtmlCase, HtmlInstance, HtmlReport} from './html-model.js'

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`)
/** Terminal colour codes and control characters have no place in a page. */
const clean = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '')
const anchor = (instance: string) => `i-${instance.replace(/[^A-Za-z0-9_-]/g, '_')}`

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d1f23;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}h3{font-size:14px;margin:16px 0 6px}
.sub{color:#5b616b;margin:0 0 12px}
table{border-collapse:collapse}.matrix a{text-decoration:none}th,td{border:1px solid #d8dbe0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6;font-weight:600}
.passed{color:#176c2c}.failed,.error{color:#b42318}.skipped,.interrupted{color:#6b6f76}.cached{color:#5a4fcf}
.badge{display:inline-block;padding:1px 6px;border-radius:9px;font-size:12px;font-weight:600}
.badge.passed{background:#dcf5e3}.badge.failed,.badge.error{background:#fde2df}.badge.skipped,.badge.interrupted{background:#eceef1}
.badge.cached{background:#ebe8ff}
.lanes{position:relative;border:1px solid #d8dbe0;background:#fafbfc}
.lane{position:relative;height:30px;border-bottom:1px solid #eceef1}.lane:last-child{border-bottom:0}
.lane-name{position:absolute;left:4px;top:7px;font-size:11px;color:#8a8f98;z-index:0}
.inst{position:absolute;top:3px;height:24px;overflow:hidden;border-radius:3px;outline:1px solid #8a8f98;background:#fff}
.inst.failed,.inst.error{outline:2px solid #b42318}
.span{position:absolute;top:0;height:24px}
.tick{position:absolute;top:16px;height:8px;width:2px;background:#1d1f23}
.tick.cached{background:#5a4fcf;top:0;height:6px}.tick.bad{background:#b42318;height:24px;top:0;width:3px}
.label{position:absolute;left:3px;top:4px;font-size:11px;white-space:nowrap;color:#1d1f23;pointer-events:none}
.p-image{background:#d9e2ec}.p-destroy{background:#e4e7eb}.p-create{background:#b6d7f2}.p-converge{background:#ffd78a}
.p-idempotence{background:#ffbd6e}.p-verify{background:#a6e3b8}.p-promote{background:#d3c4f5}
.legend span{display:inline-block;margin-right:12px;font-size:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #c4c8ce}
.axis{display:flex;justify-content:space-between;font-size:11px;color:#8a8f98;margin-top:2px}
pre{background:#f6f8fa;border:1px solid #d8dbe0;padding:8px;overflow:auto;max-height:360px;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}
.failure{border-left:4px solid #b42318;padding:4px 12px;margin:12px 0}
.meta{color:#5b616b;font-size:13px}.meta code{color:#1d1f23}
`

const PHASES = ['image', 'destroy', 'create', 'converge', 'idempotence', 'verify', 'promote'] as const

function badge(status: string, text = status): string {
  return `<span class="badge ${escape(status)}">${escape(text)}</span>`
}

function counts(i: HtmlInstance): {steps: string; tests: string; cached: number} {
  const steps = i.cases.filter((c) => c.phase === 'converge')
  const tests = i.cases.filter((c) => c.phase !== 'converge' && c.phase !== 'idempotence' && c.status !== 'error')
  const ok = (cs: HtmlCase[]) => cs.filter((c) => c.status === 'passed').length
  return {steps: `${ok(steps)}/${steps.length}`, tests: `${ok(tests)}/${tests.length}`, cached: steps.filter((c) => c.cached).length}
}

/** The first failed step or test (or the engine error) of an instance. */
const firstFailure = (i: HtmlInstance) => i.cases.find((c) => c.status === 'failed' || c.status === 'error')

function statusCell(i: HtmlInstance): string {
  const {cached} = counts(i)
  return `${badge(i.status)}${cached ? ` ${badge('cached', `${cached} cached`)}` : ''}`
}

function matrix(report: HtmlReport): string {
  const suites = [...new Set(report.instances.map((i) => i.suite))]
  const platforms = [...new Set(report.instances.map((i) => i.platform))]
  const rows = suites.map((s) => {
    const cells = platforms.map((p) => {
      const i = report.instances.find((x) => x.suite === s && x.platform === p)
      return i ? `<td data-instance="${escape(i.instance)}"><a href="#${anchor(i.instance)}">${statusCell(i)}</a></td>` : '<td class="skipped">—</td>'
    })
    return `<tr><th>${escape(s)}</th>${cells.join('')}</tr>`
  })
  return `<table class="matrix"><tr><th>suite \\ platform</th>${platforms.map((p) => `<th>${escape(p || '—')}</th>`).join('')}</tr>${rows.join('')}</table>`
}

function instanceRows(report: HtmlReport): string {
  const rows = report.instances.map((i) => {
    const c = counts(i)
    const failure = firstFailure(i)
    const stopped = failure ? `${escape(failure.phase)}: <b class="failed-step">${escape(failure.name)}</b>` : ''
    return `<tr class="instance" data-instance="${escape(i.instance)}" data-status="${escape(i.status)}"><td><a href="#${anchor(i.instance)}">${escape(i.instance)}</a></td><td>${escape(i.suite)}</td><td>${escape(i.platform)}</td><td>${statusCell(i)}</td><td>${stopped}</td><td>${c.steps}${c.cached ? ` (${c.cached} cached)` : ''}</td><td>${c.tests}</td><td>${seconds(i.durationMs)}</td></tr>`
  })
  return `<table class="instances"><tr><th>instance</th><th>suite</th><th>platform</th><th>result</th><th>stopped at</th><th>steps</th><th>tests</th><th>time</th></tr>${rows.join('')}</table>`
}

/** Lanes as the run used them; from JUnit (no lanes), each instance takes the first lane free at its start. */
function lanesOf(instances: HtmlInstance[]): Map<HtmlInstance, number> {
  const placed = new Map<HtmlInstance, number>()
  const busyUntil: number[] = []
  for (const i of [...instances].filter((x) => x.start !== undefined).sort((a, b) => a.start! - b.start!)) {
    let lane = i.lane
    if (lane === undefined) {
      lane = busyUntil.findIndex((end) => end <= i.start!)
      if (lane < 0) lane = busyUntil.length
    }
    busyUntil[lane] = Math.max(busyUntil[lane] ?? 0, i.start! + i.durationMs)
    placed.set(i, lane)
  }
  return placed
}

function spanTitle(i: HtmlInstance, s: TimelineSpan): string {
  if (s.task) return `${i.instance} · ${s.task.kind} ${s.task.name}: ${s.task.cached ? 'restored from the cache' : `${s.task.ok ? 'passed' : 'failed'} in ${seconds(s.end - s.start)}`}`
  return `${i.instance} · ${s.phase} ${seconds(s.end - s.start)}`
}

function timeline(report: HtmlReport): string {
  const lanes = lanesOf(report.instances)
  if (lanes.size === 0) return '<p class="sub">No instance started, so there is no timeline.</p>'
  const t0 = Math.min(...[...lanes.keys()].map((i) => i.start!))
  const t1 = Math.max(...[...lanes.keys()].map((i) => i.start! + i.durationMs), t0 + 1)
  const pct = (t: number) => `${(((t - t0) / (t1 - t0)) * 100).toFixed(3)}%`
  const width = (a: number, b: number) => `${Math.max(((b - a) / (t1 - t0)) * 100, 0.15).toFixed(3)}%`
  const laneCount = Math.max(...lanes.values()) + 1
  const rows = Array.from({length: laneCount}, (_, lane) => {
    const blocks = [...lanes].filter(([, l]) => l === lane).map(([i]) => {
      const end = i.start! + i.durationMs
      const inner = (i.timeline ?? []).map((s) => {
        const left = `${(((s.start - i.start!) / Math.max(i.durationMs, 1)) * 100).toFixed(3)}%`
        if (!s.task) return `<div class="span p-${escape(s.phase)}" style="left:${left};width:${(((s.end - s.start) / Math.max(i.durationMs, 1)) * 100).toFixed(3)}%" title="${escape(spanTitle(i, s))}"></div>`
        const kind = s.task.cached ? 'cached' : s.task.ok ? '' : 'bad'
        return `<div class="tick ${kind}" style="left:${left}" title="${escape(spanTitle(i, s))}"></div>`
      })
      const title = `${i.instance}: ${i.status} in ${seconds(i.durationMs)}`
      return `<div class="inst ${escape(i.status)}" data-instance="${escape(i.instance)}" style="left:${pct(i.start!)};width:${width(i.start!, end)}" title="${escape(title)}">${inner.join('')}<span class="label">${escape(i.instance)}</span></div>`
    })
    return `<div class="lane"><span class="lane-name">${lane + 1}</span>${blocks.join('')}</div>`
  })
  const legend = PHASES.map((p) => `<span><i class="p-${p}"></i>${p}</span>`).join('') + '<span><i style="background:#1d1f23"></i>step or test run</span><span><i style="background:#5a4fcf"></i>step from the cache</span><span><i style="background:#b42318"></i>failed</span>'
  const note = report.source === 'junit' ? '<p class="sub">From JUnit alone: each instance is one bar from its start for its duration, on the first lane free then; JUnit holds no phases.</p>' : ''
  const axis = `<div class="axis"><span>0 s</span><span>${seconds((t1 - t0) / 2)}</span><span>${seconds(t1 - t0)}</span></div>`
  return `${note}<div class="lanes">${rows.join('')}</div>${axis}${report.source === 'run' ? `<p class="legend">${legend}</p>` : ''}`
}

function caseRow(c: HtmlCase): string {
  const status = c.cached ? 'cached' : c.status
  return `<tr class="case ${escape(c.status)}"><td>${escape(c.phase)}</td><td>${escape(c.name)}</td><td>${badge(status)}</td><td>${c.cached ? '' : seconds(c.durationMs)}</td><td>${escape(c.message ?? '')}</td></tr>`
}

function failureBlock(i: HtmlInstance, c: HtmlCase): string {
  const meta = [
    c.command !== undefined ? `ran: <code>${escape(c.command)}</code>` : '',
    c.at ? `written at: <code>${escape(c.at)}</code>` : '',
    i.log ? `full output: <code>${escape(i.log)}</code>` : '',
  ].filter(Boolean)
  return `<div class="failure" data-instance="${escape(i.instance)}" data-case="${escape(c.name)}"><h3>${escape(i.instance)} › ${escape(c.phase)} › <span class="failed">${escape(c.name)}</span></h3>${c.message ? `<p>${escape(clean(c.message))}</p>` : ''}${meta.length ? `<p class="meta">${meta.join('<br>')}</p>` : ''}${c.output ? `<pre>${escape(clean(c.output))}</pre>` : ''}</div>`
}

function details(i: HtmlInstance): string {
  const failures = i.cases.filter((c) => c.status === 'failed' || c.status === 'error')
  const head = `<h3 id="${anchor(i.instance)}">${escape(i.instance)} ${badge(i.status)}</h3><p class="meta">suite <code>${escape(i.suite)}</code> · platform <code>${escape(i.platform || '—')}</code>${i.driver ? ` · driver <code>${escape(i.driver)}</code>` : ''} · ${seconds(i.durationMs)}${i.log ? ` · log <code>${escape(i.log)}</code>` : ''}</p>`
  const message = i.message && failures.length === 0 ? `<pre>${escape(clean(i.message))}</pre>` : ''
  const cases = i.cases.length ? `<table class="cases"><tr><th>phase</th><th>step or test</th><th>result</th><th>time</th><th>message</th></tr>${i.cases.map(caseRow).join('')}</table>` : ''
  return head + message + cases + failures.map((c) => failureBlock(i, c)).join('')
}

/** The whole page. */
export function formatHtml(report: HtmlReport, generatedAt = new Date()): string {
  const total = report.instances.length
  const passed = report.instances.filter((i) => i.status === 'passed').length
  const failed = report.instances.filter((i) => i.status === 'failed' || i.status === 'error')
  const failures = report.instances.flatMap((i) => i.cases.filter((c) => c.status === 'failed' || c.status === 'error').map((c) => failureBlock(i, c)))
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(report.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escape(report.title)}</h1>
<p class="sub" id="summary">${passed} of ${total} instances passed${failed.length ? `; failed: ${failed.map((i) => escape(i.instance)).join(', ')}` : ''}. Written ${escape(generatedAt.toISOString().slice(0, 19).replace('T', ' '))} UTC${report.file ? ` from ${escape(report.file)}` : ''}.</p>
<h2>Matrix</h2>
${matrix(report)}
<h2>Instances</h2>
${instanceRows(report)}
<h2>Timeline</h2>
${timeline(report)}
<h2>Failures</h2>
${failures.length ? failures.join('\n') : '<p class="sub">None.</p>'}
<h2>Details</h2>
${report.instances.map(details).join('\n')}
</body></html>
`
}

export function writeHtml(file: string, report: HtmlReport): void {
  writeFileAtomic(file, formatHtml(report))
}
