/**
 * Commands in a Docker or Podman container: an exec with its output demultiplexed, and the kill of
 * its whole process tree when its signal aborts (see ../host-cgroups.ts), and the counters of the
 * container's limits, read from its cgroups when the engine runs on this machine.
 */
import type Docker from 'dockerode'
import {randomBytes} from 'node:crypto'
import {Readable, Writable} from 'node:stream'
import {setTimeout as sleep} from 'node:timers/promises'
import type {ContainerHandle, ExecOptions, LimitCounters} from '../driver.js'
import {containerCgroups, EXEC_MARK, KILL_MARKED_INSIDE, killMarked, readLimitCounters, type ContainerCgroups} from '../host-cgroups.js'
import type {Engine} from './engine.js'

/** The PATH of every command Galley runs in a container. */
export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** The status of a command killed by SIGKILL (128 + 9). */
const KILLED = 137
/** How long output is still read after a kill. */
const OUTPUT_GRACE_MS = 2000

/**
 * dockerd marks a container paused when containerd's pause event arrives, which can be after the
 * unpause that followed it has returned: an exec right after a kill may be refused for a moment.
 */
const PAUSED_RETRY_MS = 3000

async function retryWhilePaused<T>(attempt: () => Promise<T>): Promise<T> {
  const until = Date.now() + PAUSED_RETRY_MS
  for (;;) {
    try {
      return await attempt()
    } catch (error) {
      if (Date.now() > until || !/is paused/i.test((error as Error).message)) throw error
      await sleep(50)
    }
  }
}

function sink(onData?: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      onData?.(chunk)
      done()
    },
  })
}

export class Commands {
  /** Kills under way, by container: the container is paused meanwhile, and an exec would be refused. */
  private readonly kills = new Map<string, Promise<void>>()

  /** `local`: the engine runs on this machine, so its containers' cgroups can be read here. */
  constructor(
    private readonly engine: Engine,
    private readonly local: boolean,
  ) {}

  async run(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    const {signal} = options
    if (signal?.aborted) return KILLED
    // A command that may have to be killed carries a mark its processes inherit (see host-cgroups.ts).
    const token = signal && randomBytes(8).toString('hex')
    const env = {PATH, HOME: '/root', LANG: 'C.UTF-8', ...options.env, ...(token ? {[EXEC_MARK]: token} : {})}
    const hasStdin = options.stdin !== undefined
    await this.kills.get(handle.name)
    const container = this.engine.container(handle.name)
    const exec = await retryWhilePaused(() =>
      this.engine.exec(container, {
        Cmd: argv,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        WorkingDir: options.cwd ?? '/',
        AttachStdout: true,
        AttachStderr: true,
        AttachStdin: hasStdin,
        Tty: false,
      }),
    )
    const stream = await retryWhilePaused(() => this.engine.startExec(exec, hasStdin))
    // Kept for telling "not found" apart: runc writes its failure to start the program to a stream.
    const errText: Buffer[] = []
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', reject)
    })
    const keep = (b: Buffer) => void (errText.length < 8 && errText.push(b))
    this.engine.demux(stream, sink((b) => (keep(b), options.onStdout?.(b))), sink((b) => (keep(b), options.onStderr?.(b))))
    if (hasStdin) {
      const input = options.stdin!
      const source = input instanceof Readable ? input : Readable.from([Buffer.from(input)])
      // Half-close after the input, so the process sees end of file and the output keeps coming.
      source.on('end', () => (stream as unknown as {end(): void}).end())
      source.pipe(stream as unknown as Writable, {end: false})
    }
    let killing: Promise<void> | undefined
    let killError: unknown
    let onKilled = () => {}
    const killed = new Promise<void>((resolve) => (onKilled = resolve))
    const onAbort = () => {
      // Kills on one container take turns: a second pause while the first holds would be refused.
      const before = this.kills.get(handle.name) ?? Promise.resolve()
      const kill = before.then(() => this.killCommand(handle, exec, token!))
      const settled = kill.catch(() => {})
      this.kills.set(handle.name, settled)
      void settled.then(() => this.kills.get(handle.name) === settled && this.kills.delete(handle.name))
      killing = kill.then(() => undefined, (error) => void (killError = error))
      onKilled()
    }
    // Left in place once the command ends: an abort after that kills what it left running.
    signal?.addEventListener('abort', onAbort, {once: true})
    await Promise.race([ended, killed])
    if (killing) {
      await killing
      // A process the kill could not find (it cleared its environment) may still hold the output open.
      await Promise.race([ended, sleep(OUTPUT_GRACE_MS)])
      const attached = stream as unknown as {destroy(): void}
      attached.destroy()
      if (killError) throw killError
    }
    const info = await this.engine.inspectExec(exec)
    if (killing && (info.Running || !info.ExitCode)) return KILLED
    const code = info.ExitCode ?? 1
    // runc reports a program it cannot find as 126 with a message; a shell says 127 for that.
    if (code === 126 && /not found|no such file/i.test(Buffer.concat(errText).toString())) return 127
    return code
  }

  /**
   * Kills every process of the exec marked with `token`, and its session (runc makes each exec's
   * process a session leader; the exec's Pid is its pid on the host, 0 once it has exited): from the
   * host, with the container paused, when the engine runs here; otherwise from inside, by the mark.
   */
  private async killCommand(handle: ContainerHandle, exec: Docker.Exec, token: string): Promise<void> {
    const cgroups = await this.cgroupsOf(handle)
    const container = this.engine.container(handle.name)
    if (!cgroups) {
      await this.run(handle, ['/bin/sh', '-c', KILL_MARKED_INSIDE, 'galley', token])
      return
    }
    const {Pid: session} = await this.engine.inspectExec(exec)
    await this.engine.pause(container)
    try {
      killMarked(cgroups, token, session)
    } finally {
      await this.engine.unpause(container)
    }
  }

  /** The container's cgroups on this host; undefined for an engine on another machine. */
  private async cgroupsOf(handle: ContainerHandle): Promise<ContainerCgroups | undefined> {
    if (!this.local) return undefined
    const {id, pid} = await this.engine.inspect(this.engine.container(handle.name))
    // The init pid is the engine host's: it names this container's cgroups only if that host is this one.
    return pid > 0 ? containerCgroups(pid, (component) => component.includes(id)) : undefined
  }

  async limitsHit(handle: ContainerHandle): Promise<LimitCounters | undefined> {
    const cgroups = await this.cgroupsOf(handle)
    return cgroups && readLimitCounters(cgroups)
  }
}
