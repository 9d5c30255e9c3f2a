/**
 * Each instance's full output, appended to .galley/logs/<instance>.log. Output is written line by
 * line as its lines end (or its task does), so that a line a progress meter rewrites with CRs is
 * written once, in its last state, instead of every state on one line.
 */
import {createWriteStream, mkdirSync, type WriteStream} from 'node:fs'
import path from 'node:path'
import type {RunEmitter} from '../lifecycle/events.js'
import {LineSplitter} from '../lifecycle/output-lines.js'

export function logPath(root: string, instance: string): string {
  return path.join(root, '.galley', 'logs', `${instance}.log`)
}

/** Time of day with milliseconds, UTC: enough to see where a run spent its time. */
const stamp = () => new Date().toISOString().slice(11, 23)

export class LogReporter {
  private readonly files = new Map<string, WriteStream>()
  private readonly lines = new Map<string, LineSplitter>()

  constructor(
    private readonly root: string,
    events: RunEmitter,
    command: string,
  ) {
    mkdirSync(path.join(root, '.galley', 'logs'), {recursive: true})
    const header = `\n===== galley ${command} at ${new Date().toISOString()} (pid ${process.pid}) =====\n`
    events.on('instance:phase', ({instance, phase}) => {
      if (!this.files.has(instance)) this.file(instance).write(header)
      this.file(instance).write(`----- ${phase} at ${stamp()}\n`)
    })
    events.on('image:progress', ({instance, line}) => this.file(instance).write(`[image] ${line}\n`))
    events.on('task:start', ({instance, kind, name}) => this.file(instance).write(`--- ${kind}: ${name} at ${stamp()}\n`))
    events.on('task:output', ({instance, text}) => this.writeOutput(instance, text))
    events.on('task:end', ({instance, result}) => {
      this.flushOutput(instance)
      this.file(instance).write(`--- ${result.ok ? 'ok' : 'FAILED'}: exit ${result.exitCode} in ${(result.durationMs / 1000).toFixed(2)}s\n`)
    })
    events.on('instance:done', ({result}) => {
      // A task cut short by an interrupt has no end: its last line is written here.
      this.flushOutput(result.instance)
      this.file(result.instance).write(`----- ${result.status}${result.message ? `: ${result.message}` : ''}\n`)
    })
  }

  private writeOutput(instance: string, text: string): void {
    let split = this.lines.get(instance)
    if (!split) this.lines.set(instance, (split = new LineSplitter()))
    const lines = split.push(text)
    if (lines.length > 0) this.file(instance).write(lines.join('\n') + '\n')
  }

  private flushOutput(instance: string): void {
    const rest = this.lines.get(instance)?.flush() ?? []
    if (rest.length > 0) this.file(instance).write(rest.join('\n') + '\n')
  }

  private file(instance: string): WriteStream {
    let f = this.files.get(instance)
    if (!f) {
      f = createWriteStream(logPath(this.root, instance), {flags: 'a'})
      this.files.set(instance, f)
    }
    return f
  }

  async close(): Promise<void> {
    for (const instance of this.lines.keys()) this.flushOutput(instance)
    await Promise.all([...this.files.values()].map((f) => new Promise<void>((resolve) => f.end(resolve))))
  }
}
