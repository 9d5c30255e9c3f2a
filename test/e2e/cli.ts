/** Runs the built CLI as a user would, for end-to-end tests. */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {DockerDriver} from '../../drivers/docker/driver.js'
import {LxcDriver} from '../../drivers/lxc/driver.js'
import {projectId} from '../../src/lifecycle/instance.js'

export const PODMAN_SOCKET = '/run/podman/podman.sock'
export {bin, repo} from '../fakes/cli.js'
import {bin} from '../fakes/cli.js'
// The CLI runs as users run it: with libuv's pool sized by bin/run.js, not by the test runner.
const {UV_THREADPOOL_SIZE: _pool, ...inherited} = process.env
const env = {...inherited, CI: 'true', NO_COLOR: '1'}

export function galley(cwd: string, ...args: string[]): {code: number; stdout: string; stderr: string} {
  return galleyWithin(600_000, cwd, ...args)
}

/** Like galley(), killed after `timeoutMs` (code -1) so that a hang fails the test instead of stalling it. */
export function galleyWithin(timeoutMs: number, cwd: string, ...args: string[]): {code: number; stdout: string; stderr: string} {
  return galleyEnv({}, timeoutMs, cwd, ...args)
}

/** Like galleyWithin(), with extra environment variables (DOCKER_HOST, say). */
export function galleyEnv(extra: Record<string, string>, timeoutMs: number, cwd: string, ...args: string[]): {code: number; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [bin, ...args], {cwd, env: {...env, ...extra}, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL'})
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}

export function galleyAsync(cwd: string, ...args: string[]): ChildProcess & {output: () => string; done: Promise<number | null>} {
  const child = spawn(process.execPath, [bin, ...args], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  child.stdout!.on('data', (b) => (output += b))
  child.stderr!.on('data', (b) => (output += b))
  const done = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))))
  return Object.assign(child, {output: () => output, done})
}

/** The project's containers that an engine still holds, by label. */
export async function leftovers(root: string, engine: 'lxc' | 'docker' | 'podman' = 'lxc'): Promise<string[]> {
  const driver = engine === 'lxc' ? new LxcDriver() : new DockerDriver(engine === 'podman' ? {socket: PODMAN_SOCKET} : {})
  return (await driver.list({'galley.project': projectId(root)})).map((h) => h.name)
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export function stateOf(root: string, instance: string): string | undefined {
  const file = path.join(root, '.galley', 'state', `${instance}.json`)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as {state: string}).state : undefined
}
