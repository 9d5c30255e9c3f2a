/** What the verifiers that report many cases (assert, bats, JUnit) run through: an instance's exec and events. */
import type {ContainerHandle, Driver} from '../../drivers/driver.js'
import type {InstanceSpec, TimeoutSetting} from '../config/types.js'
import {InterruptedError} from '../errors.js'
import {PROJECT_DIR, type TaskResult} from '../model.js'
import type {VerifyContext} from '../verifiers/context.js'
import {asUser} from '../verifiers/user.js'
import type {RunEmitter} from './events.js'
import {execGuarded} from './guard.js'

export interface VerifyTarget {
  driver: Driver
  handle: ContainerHandle
  instance: string
  /** The instance's, the provisioner's and the verifier's environment. */
  env: Record<string, string>
  events: RunEmitter
  signal: AbortSignal
  /** Where each case's result is collected. */
  results: TaskResult[]
  /** Cases are numbered across verifier kinds: the number of the next one, and of all the plan lists. */
  numbering: {next: number; total: number}
  /** The instance and the time limit of each command a verifier runs (the verifier's, --timeout's or the default). */
  spec: InstanceSpec
  timeout: TimeoutSetting
  /** The project folder on this machine. */
  root: string
}

/** A VerifyContext that runs in `target`'s container and reports through its events. */
export function verifyContext(target: VerifyTarget): VerifyContext {
  const {driver, handle, instance, events, signal, numbering} = target
  return {
    spec: target.spec,
    root: target.root,
    signal,
    exec: async (argv, options = {}) => {
      const out: Buffer[] = []
      const err: Buffer[] = []
      const emit = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
        if (options.task) events.emit('task:output', {instance, kind: 'test', name: options.task, stream, text: chunk.toString()})
      }
      const cmd = {kind: 'test' as const, name: options.task ?? argv.join(' '), argv: options.user ? asUser(options.user, argv) : argv}
      const {exitCode, failure} = await execGuarded(
        driver,
        handle,
        cmd,
        {
          env: {...target.env, ...options.env},
          cwd: PROJECT_DIR,
          onStdout: (b) => (out.push(b), emit('stdout', b)),
          onStderr: (b) => (err.push(b), emit('stderr', b)),
          ...(options.task ? {task: {kind: 'test' as const, name: options.task}} : {}),
        },
        {timeout: target.timeout, signal, spec: target.spec},
      )
      if (signal.aborted) throw new InterruptedError()
      // The verifier judges the command by what it gave; the note says why it gave that.
      if (failure) events.emit('instance:note', {instance, message: failure})
      return {exitCode, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString()}
    },
    start: (name) => {
      const index = numbering.next++
      events.emit('task:start', {instance, kind: 'test', name, index, total: Math.max(numbering.total, index + 1)})
    },
    output: (name, text) => events.emit('task:output', {instance, kind: 'test', name, stream: 'stdout', text}),
    end: (result) => {
      target.results.push(result)
      events.emit('task:end', {instance, result})
    },
    note: (message) => events.emit('instance:note', {instance, message}),
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms)
        function done() {
          clearTimeout(timer)
          signal.removeEventListener('abort', done)
          resolve()
        }
        signal.addEventListener('abort', done, {once: true})
      }),
  }
}
