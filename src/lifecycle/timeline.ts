/**
 * Each instance's timeline, taken from the run's events: every action it went through (an
 * `instance:phase` event closes the last one and opens the next) and every step and test inside them.
 */
import type {Phase, TimelineSpan} from '../model.js'
import type {RunEmitter, RunEvents} from './events.js'

interface Track {
  spans: TimelineSpan[]
  phase?: TimelineSpan
  /** Tasks started and not yet ended, by kind and name. */
  tasks: Map<string, TimelineSpan>
}

/** Phases that end an instance's work rather than start an action. */
const NOT_ACTIONS: ReadonlySet<Phase> = new Set(['pending', 'done'])

export class TimelineRecorder {
  private readonly tracks = new Map<string, Track>()
  private readonly unsubscribe: () => void

  /** Listens to `events` until `stop`. `now` is the clock (milliseconds since the epoch). */
  constructor(
    events: RunEmitter,
    private readonly now: () => number = Date.now,
  ) {
    const onPhase = ({instance, phase}: RunEvents['instance:phase'][0]) => this.enter(instance, phase)
    const onStart = ({instance, kind, name}: RunEvents['task:start'][0]) => {
      const track = this.track(instance)
      const now = this.now()
      const span: TimelineSpan = {phase: track.phase?.phase ?? 'pending', task: {kind, name, ok: true}, start: now, end: now}
      track.tasks.set(`${kind}\0${name}`, span)
      track.spans.push(span)
    }
    const onEnd = ({instance, result}: RunEvents['task:end'][0]) => {
      const track = this.track(instance)
      const key = `${result.kind}\0${result.name}`
      let span = track.tasks.get(key)
      track.tasks.delete(key)
      if (!span) {
        // A cached step, or a case a runner reported at once: a point in time.
        const now = this.now()
        span = {phase: track.phase?.phase ?? 'pending', task: {kind: result.kind, name: result.name, ok: result.ok}, start: now, end: now}
        track.spans.push(span)
      }
      span.end = Math.max(span.start, this.now())
      span.task = {kind: result.kind, name: result.name, ok: result.ok, ...(result.cached ? {cached: true} : {})}
    }
    events.on('instance:phase', onPhase)
    events.on('task:start', onStart)
    events.on('task:end', onEnd)
    this.unsubscribe = () => {
      events.off('instance:phase', onPhase)
      events.off('task:start', onStart)
      events.off('task:end', onEnd)
    }
  }

  private track(instance: string): Track {
    let track = this.tracks.get(instance)
    if (!track) this.tracks.set(instance, (track = {spans: [], tasks: new Map()}))
    return track
  }

  private enter(instance: string, phase: Phase): void {
    const track = this.track(instance)
    const now = this.now()
    if (track.phase) track.phase.end = now
    track.phase = undefined
    if (NOT_ACTIONS.has(phase)) return
    track.phase = {phase, start: now, end: now}
    track.spans.push(track.phase)
  }

  /** The instance's spans so far, the open action ending now. */
  spans(instance: string): TimelineSpan[] {
    const track = this.tracks.get(instance)
    if (!track) return []
    if (track.phase) track.phase.end = this.now()
    return track.spans.map((s) => ({...s}))
  }

  stop(): void {
    this.unsubscribe()
  }
}
