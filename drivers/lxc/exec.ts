/**
 * Running programs in a started container: attached through liblxc with a pipe per stream, or
 * through lxc-attach for an interactive terminal; file copies are tar run that way.
 */
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {PassThrough, type Readable} from 'node:stream'
import {setTimeout as sleep} from 'node:timers/promises'
import type {ContainerHandle, ExecOptions} from '../driver.js'
import {EXEC_MARK} from '../host-cgroups.js'
import * as lxc from './ffi.js'
import {killCommandIn} from './limits.js'
import {openStdio} from './pipes.js'

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
/** The status of a command killed by SIGKILL (128 + 9). */
const KILLED = 137
/** How long output is still read after a kill. */
const OUTPUT_GRACE_MS = 2000

/**
 * Runs argv in the container with a clean environment, streaming its output; resolves to its exit
 * code, or 128+N when signal N killed it. Aborting `signal` kills the command's processes from the
 * host (limits.ts).
 */
export async function execIn(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
  const {signal} = options
  if (signal?.aborted) return KILLED
  // A command that may have to be killed carries a mark its processes inherit (see host-cgroups.ts).
  const token = signal && randomBytes(8).toString('hex')
  const env = {PATH, HOME: '/root', LANG: 'C.UTF-8', ...options.env, ...(token ? {[EXEC_MARK]: token} : {})}
  const stdio = openStdio(options)
  let killing: Promise<void> | undefined
  let killError: unknown
  const onAbort = () => void (killing = killCommandIn(handle, token!).then(() => undefined, (error) => void (killError = error)))
  // Left in place once the command ends: an abort after that kills what it left running.
  signal?.addEventListener('abort', onAbort, {once: true})
  let status: number
  try {
    status = await lxc.withContainer(handle.name, String(handle.lxcpath), (c) =>
      lxc.attach_run_wait(
        c,
        {
          attach_flags: lxc.LXC_ATTACH_DEFAULT,
          namespaces: -1,
          personality: lxc.LXC_ATTACH_DETECT_PERSONALITY,
          initial_cwd: options.cwd ?? '/',
          uid: 0,
          gid: 0,
          env_policy: lxc.LXC_ATTACH_CLEAR_ENV,
          extra_env_vars: [...Object.entries(env).map(([k, v]) => `${k}=${v}`), null],
          extra_keep_env: null,
          stdin_fd: stdio.stdin,
          stdout_fd: stdio.stdout,
          stderr_fd: stdio.stderr,
          log_fd: -9,
          lsm_label: null,
          groups: {size: 0, list: null},
        },
        argv[0],
        argv,
        signal,
      ),
    )
  } finally {
    // Ours must close for the readers to see EOF.
    stdio.closeChildEnds()
  }
  if (killing) {
    await killing
    // A process the kill could not find (it cleared its environment) may still hold the output open.
    await Promise.race([stdio.drained, sleep(OUTPUT_GRACE_MS)])
    stdio.abandon()
    if (killError) throw killError
  } else await stdio.drained
  // A wait status: exit code in the high byte, or the signal that killed it.
  return status & 0x7f ? 128 + (status & 0x7f) : (status >> 8) & 0xff
}

/** Runs argv attached to this process's terminal through lxc-attach; resolves to its exit code. */
export function attachTerminal(handle: ContainerHandle, argv: string[]): Promise<number> {
  // lxc-attach allocates a pseudo-terminal and forwards resizes, which a login shell wants.
  const args = ['-P', String(handle.lxcpath), '-n', handle.name, '--clear-env', '-v', `PATH=${PATH}`, '-v', 'HOME=/root', '-v', `TERM=${process.env.TERM ?? 'xterm'}`, '--', ...argv]
  return new Promise((resolve, reject) => {
    const child = spawn('lxc-attach', args, {stdio: 'inherit'})
    child.on('error', (error) => reject(new lxc.LxcError('lxc-attach could not be run', {cause: error, hint: 'Install the lxc package.'})))
    child.on('close', (code) => resolve(code ?? 1))
  })
}

/** Extracts the tar stream into `dest` (made if missing) inside the container. */
export async function copyInto(handle: ContainerHandle, tar: Readable, dest: string): Promise<void> {
  const stderr: Buffer[] = []
  const code = await execIn(handle, ['/bin/sh', '-c', 'mkdir -p "$1" && exec tar -xf - -C "$1"', 'sh', dest], {stdin: tar, onStderr: (b) => stderr.push(b)})
  if (code !== 0) throw new lxc.LxcError(`copying files into ${handle.name}:${dest} failed (tar exited ${code}): ${Buffer.concat(stderr).toString().trim()}`)
}

/** A tar stream of `file` inside the container. */
export function copyOutOf(handle: ContainerHandle, file: string): Readable {
  const out = new PassThrough()
  const stderr: Buffer[] = []
  execIn(handle, ['/bin/sh', '-c', 'cd "$(dirname "$1")" && exec tar -cf - "$(basename "$1")"', 'sh', file], {onStdout: (b) => out.write(b), onStderr: (b) => stderr.push(b)}).then(
    (code) => (code === 0 ? out.end() : out.destroy(new lxc.LxcError(`copying ${handle.name}:${file} out failed: ${Buffer.concat(stderr).toString().trim()}`))),
    (error) => out.destroy(error),
  )
  return out
}
