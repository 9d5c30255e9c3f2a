/**
 * The Engine API over SSH, as the docker command does it: each connection is `ssh HOST docker
 * system dial-stdio`, the remote docker command relaying to its engine. OpenSSH's own client is
 * used, so ~/.ssh/config, known_hosts, the agent and ProxyJump work as they do for the docker
 * command; connections to one host share one SSH session (ControlMaster), and idle ones are kept
 * for the next request. (docker-modem's built-in SSH opens a new SSH session for every request:
 * about 0.75 s each here.)
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {lstatSync, mkdirSync} from 'node:fs'
import http from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {Duplex} from 'node:stream'
import type {Endpoint} from './endpoint.js'

type SshEndpoint = Extract<Endpoint, {kind: 'ssh'}>

/** How long the shared SSH session outlives its last connection. */
const PERSIST = '30s'

/**
 * A folder only this user can enter, for the shared sessions' sockets; undefined (no sharing)
 * when it cannot be made so, since a socket there carries the engine's API.
 */
function controlDir(): string | undefined {
  const dir = path.join(tmpdir(), `galley-ssh-${process.getuid?.() ?? 'user'}`)
  try {
    mkdirSync(dir, {mode: 0o700, recursive: true})
    const st = lstatSync(dir)
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o077) === 0 ? dir : undefined
  } catch {
    return undefined
  }
}

/** The ssh command's options for an endpoint (no command). */
export function sshArgs(e: SshEndpoint, options: {tty?: boolean} = {}): string[] {
  const control = controlDir()
  return [
    options.tty ? '-t' : '-T',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=15',
    '-o', 'ServerAliveInterval=15',
    '-p', String(e.port),
    ...(e.user ? ['-l', e.user] : []),
    ...(e.identity ? ['-i', e.identity, '-o', 'IdentitiesOnly=yes'] : []),
    ...(e.knownHosts ? ['-o', `UserKnownHostsFile=${e.knownHosts}`] : []),
    ...(control ? ['-o', 'ControlMaster=auto', '-o', `ControlPath=${control}/%C`, '-o', `ControlPersist=${PERSIST}`] : []),
    '--',
    e.host,
  ]
}

/** An ssh failure, with what ssh said; `code` tells an unreachable host from a refused login. */
export class SshFailure extends Error {
  constructor(
    message: string,
    readonly code: 'ECONNREFUSED' | 'ECONNRESET' | 'EHOSTKEY' | 'EAUTH' | 'ESSH',
  ) {
    super(message)
  }
}

function classify(stderr: string): SshFailure['code'] {
  if (/host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) return 'EHOSTKEY'
  if (/permission denied|too many authentication failures/i.test(stderr)) return 'EAUTH'
  if (/connection refused|connection timed out|no route to host|could not resolve|network is unreachable|connection closed by|broken pipe/i.test(stderr)) return 'ECONNREFUSED'
  return 'ESSH'
}

/**
 * A connection to the remote engine: the ssh process's stdout and stdin as one socket-like
 * stream. Its end waits for ssh's exit status, so that a failed login or a refused connection
 * is an error saying so, not an empty answer.
 */
function dial(e: SshEndpoint): Duplex {
  const child: ChildProcessWithoutNullStreams = spawn('ssh', [...sshArgs(e), 'docker', 'system', 'dial-stdio'], {stdio: ['pipe', 'pipe', 'pipe']})
  let stderr = ''
  let received = false
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const stream = new Duplex({
    read: () => void child.stdout.resume(),
    // A write to an ssh that has gone fails with EPIPE; its exit status says why, below.
    write: (chunk: Buffer, _enc, done) => void child.stdin.write(chunk, () => done()),
    final: (done) => void child.stdin.end(() => done()),
    destroy: (error, done) => {
      if (child.exitCode === null) child.kill()
      done(error)
    },
  }) as Duplex & Record<string, unknown>
  const fail = (message: string, code: SshFailure['code']) => {
    if (!stream.destroyed) stream.destroy(new SshFailure(message, code))
  }
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)))
  child.stdout.on('data', (b: Buffer) => {
    received = true
    if (!stream.push(b)) child.stdout.pause()
  })
  child.stdin.on('error', () => {})
  child.on('error', (error) => fail(`could not run ssh: ${error.message}`, 'ESSH'))
  child.stdout.on('end', async () => {
    const code = await exited
    // A shared session's master may keep the stderr pipe open: it is ours to close.
    child.stderr.destroy()
    if (code === 0) return void stream.push(null)
    const said = stderr.trim().split('\n').filter((l) => !/^(Warning: Permanently added|mux_client)/.test(l)).pop() ?? ''
    fail(said || `ssh exited with ${code}`, received ? 'ECONNRESET' : classify(said))
  })
  // The http module treats the stream as a socket: idle ones in the agent's pool must not keep
  // the process alive, busy ones must.
  const handles = [child, child.stdout, child.stderr, child.stdin] as unknown as {ref(): void; unref(): void}[]
  Object.assign(stream, {
    setKeepAlive: () => stream,
    setNoDelay: () => stream,
    setTimeout: () => stream,
    ref: () => (handles.forEach((h) => h.ref()), stream),
    unref: () => (handles.forEach((h) => h.unref()), stream),
  })
  return stream
}

/** An http.Agent whose connections are ssh processes; idle ones are kept for the next request. */
export function sshAgent(e: SshEndpoint): http.Agent {
  const agent = new http.Agent({keepAlive: true, maxFreeSockets: 4})
  // The Agent's typings want a net.Socket; it only uses the stream methods added in dial().
  ;(agent as unknown as {createConnection: () => Duplex}).createConnection = () => dial(e)
  return agent
}
