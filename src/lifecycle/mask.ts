/**
 * Masking secrets: env values marked `secret: true` or taken from the environment never reach the
 * console, the logs or the reports. Every event of a run passes through here before reporters see
 * it. Output arrives in chunks, and a secret may be split across two: the last few characters of
 * each stream are held back until the next chunk (or the end of the task) shows whether they begin
 * a secret.
 */
import type {InstanceResult, TaskResult} from '../model.js'
import type {RunEmitter, RunEvents} from './events.js'

export const MASK = '***'
/** Shorter values would mask ordinary text ("1", "on"); they are not treated as secrets. */
export const MIN_SECRET = 3

export class Masker {
  private readonly secrets: string[]
  private readonly held = new Map<string, string>()
  private readonly longest: number

  constructor(secrets: Iterable<string>) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET).sort((a, b) => b.length - a.length)
    this.longest = Math.max(0, ...this.secrets.map((s) => s.length))
  }

  get active(): boolean {
    return this.secrets.length > 0
  }

  mask(text: string): string
  mask(text: string | undefined): string | undefined
  mask(text: string | undefined): string | undefined {
    if (text === undefined || !this.active) return text
    let out = text
    for (const s of this.secrets) out = out.split(s).join(MASK)
    return out
  }

  /** The part of a stream's next chunk that is safe to show now. */
  stream(key: string, chunk: string): string {
    if (!this.active) return chunk
    const text = (this.held.get(key) ?? '') + chunk
    // Hold back a tail that could be the start of a secret.
    let keep = 0
    for (let n = Math.min(this.longest - 1, text.length); n > 0; n--) {
      const tail = text.slice(-n)
      if (this.secrets.some((s) => s.startsWith(tail))) {
        keep = n
        break
      }
    }
    const masked = this.mask(text.slice(0, text.length - keep))
    // A secret that ends inside the held tail was masked already, as it lies wholly before it.
    this.held.set(key, text.slice(text.length - keep))
    return masked
  }

  /** What a stream still holds, masked; the stream is done. */
  flush(key: string): string {
    const rest = this.held.get(key) ?? ''
    this.held.delete(key)
    return this.mask(rest)
  }
}

function maskTask(m: Masker, t: TaskResult): void {
  t.outputTail = m.mask(t.outputTail)
  t.message = m.mask(t.message)
  t.name = m.mask(t.name)
  if (t.command !== undefined) t.command = m.mask(t.command)
}

/**
 * Makes every event of `events` pass through the masker before any listener sees it. Results are
 * masked in place, so the reports written from them after the run are masked too.
 */
export function maskEvents(events: RunEmitter, secrets: Iterable<string>): Masker {
  const m = new Masker(secrets)
  if (!m.active) return m
  const emit = events.emit.bind(events) as <K extends keyof RunEvents>(name: K, ...args: RunEvents[K]) => boolean
  const keyOf = (p: {instance: string; kind: string}, stream: string) => `${p.instance}\0${p.kind}\0${stream}`
  events.emit = (<K extends keyof RunEvents>(name: K, ...args: RunEvents[K]): boolean => {
    const payload = args[0] as Record<string, unknown>
    switch (name) {
      case 'task:output': {
        const p = payload as RunEvents['task:output'][0]
        const text = m.stream(keyOf(p, p.stream), p.text)
        return text ? emit('task:output', {...p, text}) : true
      }
      case 'task:end': {
        const p = payload as RunEvents['task:end'][0]
        for (const stream of ['stdout', 'stderr'] as const) {
          const rest = m.flush(keyOf({instance: p.instance, kind: p.result.kind}, stream))
          if (rest) emit('task:output', {instance: p.instance, kind: p.result.kind, name: m.mask(p.result.name), stream, text: rest})
        }
        maskTask(m, p.result)
        return emit('task:end', p)
      }
      case 'task:start': {
        const p = payload as RunEvents['task:start'][0]
        return emit('task:start', {...p, name: m.mask(p.name)})
      }
      case 'image:progress':
      case 'instance:note': {
        const p = payload as {instance: string; line?: string; message?: string}
        const masked = {...p, ...(p.line !== undefined ? {line: m.mask(p.line)} : {}), ...(p.message !== undefined ? {message: m.mask(p.message)} : {})}
        return emit(name, ...([masked] as unknown as RunEvents[K]))
      }
      case 'instance:done': {
        const r = (payload as RunEvents['instance:done'][0]).result as InstanceResult
        r.message = m.mask(r.message)
        for (const t of [...r.steps, ...r.tests]) maskTask(m, t)
        for (const e of [...r.plan.steps, ...r.plan.tests]) {
          e.name = m.mask(e.name)
          if (e.command !== undefined) e.command = m.mask(e.command)
        }
        return emit('instance:done', {result: r})
      }
      default:
        return emit(name, ...args)
    }
  }) as typeof events.emit
  return m
}
