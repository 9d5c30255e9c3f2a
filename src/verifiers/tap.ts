/** Reads TAP (the Test Anything Protocol, as bats --tap writes it) into test cases. */

export interface TapCase {
  number: number
  name: string
  ok: boolean
  skipped: boolean
  /** The skip or todo reason, if any. */
  reason?: string
  /** Diagnostic lines after the result (bats: where it failed and the command that did). */
  diagnostics: string[]
}

export interface TapReport {
  /** The plan's count (`1..N`), if the stream had one. */
  planned?: number
  cases: TapCase[]
  /** `Bail out!` and its reason. */
  bailOut?: string
}

export function parseTap(text: string): TapReport {
  const report: TapReport = {cases: []}
  let last: TapCase | undefined
  let inYaml = false
  for (const line of text.split(/\r?\n/)) {
    if (inYaml) {
      if (/^\s+\.\.\.\s*$/.test(line)) inYaml = false
      else last?.diagnostics.push(line.replace(/^\s{2}/, ''))
      continue
    }
    const plan = /^1\.\.(\d+)/.exec(line)
    if (plan) {
      report.planned = Number(plan[1])
      continue
    }
    const result = /^(not )?ok\b\s*(\d+)?\s*(?:-\s*)?(.*)$/.exec(line)
    if (result) {
      let name = result[3]
      let directive: string | undefined
      let reason: string | undefined
      const d = /\s*(?<!\\)#\s*(skip|todo)\S*\s*(.*)$/i.exec(name)
      if (d) {
        directive = d[1].toLowerCase()
        reason = d[2] || undefined
        name = name.slice(0, d.index)
      }
      last = {
        number: result[2] ? Number(result[2]) : report.cases.length + 1,
        name: name.replace(/\\#/g, '#').trim() || `test ${report.cases.length + 1}`,
        // A failing `todo` test is expected to fail; it does not fail the run (TAP's rule).
        ok: !result[1] || directive === 'todo',
        skipped: directive === 'skip',
        reason,
        diagnostics: [],
      }
      report.cases.push(last)
      continue
    }
    const bail = /^Bail out!\s*(.*)$/.exec(line)
    if (bail) {
      report.bailOut = bail[1] || 'no reason given'
      continue
    }
    if (last && /^\s+---\s*$/.test(line)) inYaml = true
    else if (last && line.startsWith('#')) last.diagnostics.push(line.replace(/^#\s?/, ''))
  }
  return report
}
