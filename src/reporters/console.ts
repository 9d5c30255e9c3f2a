/**
 * The console: on a TTY a live line per instance (phase, current task, elapsed); otherwise lines
 * prefixed with the instance name, output included. Always a summary table at the end.
 */
import {formatSource, type InstanceResult, type Phase, type TaskKind} from '../model.js'
import type {RunEmitter} from '../lifecycle/events.js'

export interface ConsoleOptions {
  out: NodeJS.WritableStream & {columns?: number}
  /** Redraw live status lines (a TTY and not CI). */
  live: boolean
  color: boolean
  /** In live mode, also print task output (non-live always does). */
  verbose?: boolean
  /**
   * CI services that fold output: each instance's lines are held and printed together when it
   * finishes, as one collapsible group (GitHub's ::group::, GitLab's sections), not interleaved.
   */
  fold?: 'github' | 'gitlab'
  /** error: the summary only; warn: and failures and notes; info: and progress (default); debug: and all output. */
  level?: 'error' | 'warn' | 'info' | 'debug'
}

const RANK = {error: 0, warn: 1, info: 2, debug: 3} as const

interface Live {
  phase: Phase
  task?: string
  /** When its first action began; undefined while it waits for a slot. */
  started?: number
  ended?: number
  status?: InstanceResult['status']
}

const SKIP_IMAGE_LINE = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring|Checking component|Found|Resolving)/

export class ConsoleReporter {
  private readonly live = new Map<string, Live>()
  private drawn = 0
  private timer?: NodeJS.Timeout
  private readonly partial = new Map<string, string>()
  /** With `fold`: each running instance's lines, printed as one group when it is done. */
  private readonly held = new Map<string, string[]>()

  constructor(
    events: RunEmitter,
    private readonly options: ConsoleOptions,
  ) {
    events.on('instance:phase', ({instance, phase}) => {
      const l = this.live.get(instance) ?? {phase}
      l.phase = phase
      l.started ??= Date.now()
      if (phase !== 'converge' && phase !== 'verify') l.task = undefined
      this.live.set(instance, l)
      if (!options.live && phase !== 'done' && phase !== 'pending' && this.shows('info')) this.line(instance, `${phase}`)
    })
    events.on('image:progress', ({instance, line}) => {
      if (!options.live && (this.shows('debug') || (this.shows('info') && !SKIP_IMAGE_LINE.test(line)))) this.line(instance, `image: ${line}`)
    })
    events.on('task:start', ({instance, kind, name, index, total}) => {
      const l = this.live.get(instance)
      if (l) l.task = `${kind} ${index + 1}/${total}: ${name}`
      if (!options.live && this.shows('info')) this.line(instance, `${kind} ${index + 1}/${total}: ${name}`)
    })
    events.on('task:output', ({instance, kind, stream, text}) => {
      if (options.live ? !(options.verbose || this.shows('debug')) : !this.shows('info')) return
      this.output(instance, kind, stream, text)
    })
    events.on('task:end', ({instance, result}) => {
      this.flushPartial(instance, result.kind)
      const mark = result.ok ? this.paint('32', 'ok') : this.paint('31', 'FAILED')
      const secs = (result.durationMs / 1000).toFixed(2)
      if (options.live || !this.shows(result.ok ? 'info' : 'warn')) return
      if (result.cached) this.line(instance, `${this.paint('2', 'cached')} ${result.kind} ${result.name} (restored from the step cache)`)
      else if (result.skipped) this.line(instance, `${this.paint('33', 'skipped')} ${result.kind} ${result.name}`)
      else this.line(instance, `${mark} ${result.kind} ${result.name} (exit ${result.exitCode}, ${secs}s)`)
    })
    events.on('instance:note', ({instance, message}) => {
      if (this.shows('warn')) this.line(instance, message)
    })
    events.on('instance:done', ({result}) => {
      const l = this.live.get(result.instance)
      if (l) {
        l.status = result.status
        l.ended = Date.now()
      }
      if (!options.live && this.shows(result.status === 'passed' ? 'info' : 'warn')) this.line(result.instance, `${this.status(result.status)} in ${(result.durationMs / 1000).toFixed(1)}s`)
      if (options.fold) this.unfold(result)
    })
    if (options.live && this.shows('info')) this.timer = setInterval(() => this.redraw(), 100)
  }

  private shows(level: keyof typeof RANK): boolean {
    return RANK[this.options.level ?? 'info'] >= RANK[level]
  }

  private paint(code: string, text: string): string {
    return this.options.color ? `\x1b[${code}m${text}\x1b[0m` : text
  }

  private status(s: InstanceResult['status']): string {
    const colors: Record<InstanceResult['status'], string> = {passed: '32', failed: '31', error: '31', skipped: '33', interrupted: '33'}
    return this.paint(colors[s], s)
  }

  private write(text: string): void {
    this.clearLive()
    this.options.out.write(text)
    this.redraw()
  }

  private line(instance: string, text: string): void {
    this.emit(instance, `${this.paint('36', `[${instance}]`)} ${text}\n`)
  }

  private emit(instance: string, text: string): void {
    if (!this.options.fold) return this.write(text)
    const lines = this.held.get(instance) ?? []
    lines.push(text)
    this.held.set(instance, lines)
  }

  /** Prints a finished instance's held lines as one collapsible group, titled with its outcome. */
  private unfold(result: InstanceResult): void {
    const lines = this.held.get(result.instance) ?? []
    this.held.delete(result.instance)
    const title = `${result.instance}: ${result.status} in ${(result.durationMs / 1000).toFixed(1)}s`
    if (this.options.fold === 'github') {
      this.write(`::group::${title}\n${lines.join('')}::endgroup::\n`)
    } else {
      const id = `galley_${result.instance.replace(/[^A-Za-z0-9_]/g, '_')}`
      const at = () => Math.floor(Date.now() / 1000)
      // Failed instances stay open; the others are collapsed.
      const collapsed = result.status === 'passed' ? '[collapsed=true]' : ''
      this.write(`\x1b[0Ksection_start:${at()}:${id}${collapsed}\r\x1b[0K${title}\n${lines.join('')}\x1b[0Ksection_end:${at()}:${id}\r\x1b[0K\n`)
    }
  }

  private output(instance: string, kind: TaskKind, stream: string, text: string): void {
    const key = `${instance}\0${kind}`
    const lines = ((this.partial.get(key) ?? '') + text).split('\n')
    this.partial.set(key, lines.pop() ?? '')
    if (lines.length === 0) return
    const prefix = this.paint('36', `[${instance}]`) + (stream === 'stderr' ? this.paint('2', ' ! ') : ' | ')
    this.emit(instance, lines.map((l) => prefix + l + '\n').join(''))
  }

  private flushPartial(instance: string, kind: TaskKind): void {
    const key = `${instance}\0${kind}`
    const rest = this.partial.get(key)
    this.partial.delete(key)
    if (rest) this.emit(instance, `${this.paint('36', `[${instance}]`)} | ${rest}\n`)
  }

  private clearLive(): void {
    if (!this.options.live || this.drawn === 0) return
    this.options.out.write(`\x1b[${this.drawn}A\x1b[0J`)
    this.drawn = 0
  }

  private redraw(): void {
    if (!this.options.live || !this.shows('info')) return
    this.clearLive()
    const cols = this.options.out.columns ?? 100
    const names = [...this.live.keys()]
    const pad = Math.max(0, ...names.map((n) => n.length))
    const rows = names.map((name) => {
      const l = this.live.get(name)!
      const secs = l.started ? (((l.ended ?? Date.now()) - l.started) / 1000).toFixed(1) + 's' : ''
      const what = l.status ? this.status(l.status) : l.started ? `${l.phase}${l.task ? '  ' + l.task : ''}` : this.paint('2', 'waiting')
      const row = `  ${name.padEnd(pad)}  ${secs.padStart(7)}  ${what}`
      return row.length > cols - 1 && !l.status ? row.slice(0, cols - 2) + '…' : row
    })
    if (rows.length === 0) return
    this.options.out.write(rows.join('\n') + '\n')
    this.drawn = rows.length
  }

  /** Lists the instances of the run, so a live view shows the waiting ones too. */
  expect(instances: string[]): void {
    for (const name of instances) if (!this.live.has(name)) this.live.set(name, {phase: 'pending'})
  }

  /** Stops redrawing and prints the final table, then each failure's message and output tail. */
  summary(results: InstanceResult[], files: {junit?: string; tap?: string; json?: string; html?: string; logs: string}): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.clearLive()
    const out = this.options.out
    // Which engine each ran on, when they ran on more than one (a pool).
    const engines = new Set(results.map((r) => r.engine)).size > 1
    const head = ['Instance', 'Result', 'Stopped in', 'Steps', 'Tests', 'Time', ...(engines ? ['Engine'] : [])]
    const rows = results.map((r) => [
      r.instance,
      r.status,
      r.failedIn ?? '',
      `${r.steps.filter((s) => s.ok).length}/${r.steps.length}` + (r.steps.some((s) => s.cached) ? ` (${r.steps.filter((s) => s.cached).length} cached)` : ''),
      // Every verifier kind's cases count alike; those their runner skipped are said apart.
      `${r.tests.filter((t) => t.ok).length}/${r.tests.length}` + (r.tests.some((t) => t.skipped) ? ` (${r.tests.filter((t) => t.skipped).length} skipped)` : ''),
      `${(r.durationMs / 1000).toFixed(1)}s`,
      ...(engines ? [r.engine ?? ''] : []),
    ])
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
    const fmt = (row: string[], paintStatus: boolean) =>
      row.map((c, i) => (i === 1 && paintStatus ? this.status(c as InstanceResult['status']) + ' '.repeat(widths[i] - c.length) : c.padEnd(widths[i]))).join('  ').trimEnd()
    out.write('\n' + fmt(head, false) + '\n')
    for (const row of rows) out.write(fmt(row, true) + '\n')
    for (const r of results.filter((x) => x.status === 'failed' || x.status === 'error')) {
      out.write(`\n${this.paint('31', `✗ ${r.instance}`)}: ${r.message ?? r.status}\n`)
      const failed = [...r.steps, ...r.tests, ...(r.idempotence ?? [])].filter((t) => !t.ok)
      for (const t of failed) {
        const where = formatSource(t.source)
        if (t.command !== undefined || where) out.write(`  ${t.kind} ${t.name}` + (t.command !== undefined ? ` ran \`${t.command.split('\n')[0]}\`` : '') + (where ? ` (${where})` : '') + '\n')
        if (t.outputTail) out.write(`  output of ${t.kind} ${t.name}:\n` + t.outputTail.split('\n').map((l) => `    ${l}`).join('\n') + '\n')
      }
    }
    const passed = results.filter((r) => r.status === 'passed').length
    const reports = [files.junit && `JUnit: ${files.junit}.`, files.tap && `TAP: ${files.tap}.`, files.json && `JSON: ${files.json}.`, files.html && `HTML: ${files.html}.`].filter(Boolean)
    out.write(`\n${passed} of ${results.length} instances passed.` + reports.map((r) => ` ${r}`).join('') + ` Logs: ${files.logs}\n`)
  }

  stop(): void {
    // An instance that never finished (an interrupted run) still shows what it printed.
    for (const lines of this.held.values()) if (lines.length) this.write(lines.join(''))
    this.held.clear()
    if (this.timer) clearInterval(this.timer)
    this.clearLive()
  }
}
