/**
 * Runs the built CLI as a user would, on temporary projects that use the dummy driver: no engine,
 * no root, no network. Each project has its own GALLEY_HOME (and HOME), so runs leave nothing in
 * the machine's store and tests never see each other's containers or step cache.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {projectId} from '../../src/lifecycle/instance.js'
import {makeProject} from './project.js'

export const repo = fileURLToPath(new URL('../../..', import.meta.url))
export const bin = path.join(repo, 'bin', 'run.js')

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

export type Running = ChildProcess & {output: () => string; done: Promise<CliRun>}

/** The CLI's environment: as CI runs it, without CI services' variables or the test runner's pool size. */
function cliEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, CI: 'true', NO_COLOR: '1', TZ: 'UTC', GALLEY_HOME: home, HOME: home}
  for (const name of ['UV_THREADPOOL_SIZE', 'GALLEY_LOG_LEVEL', 'GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'GITLAB_CI', 'DOCKER_HOST']) delete env[name]
  return env
}

/** A project folder with a galley.yml, and a store of its own. */
export class DummyProject {
  readonly root: string
  readonly home: string

  constructor(galleyYml: string, files: Record<string, string> = {}) {
    this.root = makeProject({'galley.yml': galleyYml, ...files})
    this.home = mkdtempSync(path.join(tmpdir(), 'galley-home-'))
  }

  /** Starts `galley ARGS` in the project; killed after `timeoutMs` (code -1) so a hang fails the test. */
  start(args: string[], timeoutMs = 60_000): Running {
    const child = spawn(process.execPath, [bin, ...args], {cwd: this.root, env: cliEnv(this.home), stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let output = ''
    child.stdout!.on('data', (b) => ((stdout += b), (output += b)))
    child.stderr!.on('data', (b) => ((stderr += b), (output += b)))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const done = new Promise<CliRun>((resolve) =>
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({code: code ?? -1, stdout, stderr})
      }),
    )
    return Object.assign(child, {output: () => output, done})
  }

  run(...args: string[]): Promise<CliRun> {
    return this.start(args).done
  }

  /** The instance's recorded state, undefined when it has none. */
  state(instance: string): string | undefined {
    const file = path.join(this.root, '.galley', 'state', `${instance}.json`)
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as {state: string}).state : undefined
  }

  /** Files in a folder of the project's .galley (locks, state), none when it is missing. */
  galleyFiles(folder: string): string[] {
    const dir = path.join(this.root, '.galley', folder)
    return existsSync(dir) ? readdirSync(dir) : []
  }

  /** The containers the dummy driver holds in this project's store. */
  containers(): string[] {
    const dir = path.join(this.home, 'dummy', 'containers')
    return existsSync(dir) ? readdirSync(dir).map((f) => f.replace(/\.json$/, '')) : []
  }

  /** The engine's name for the instance's container. */
  container(instance: string): string {
    return `${instance}-${projectId(this.root)}`
  }

  /** What the dummy driver did to the instance's last container, one call a line, without timestamps. */
  calls(instance: string): string[] {
    return this.timedCalls(instance).map((c) => c.call)
  }

  timedCalls(instance: string): {at: number; call: string}[] {
    const text = readFileSync(path.join(this.root, '.galley', 'dummy', `${this.container(instance)}.log`), 'utf8')
    return text
      .trim()
      .split('\n')
      .map((line) => ({at: Date.parse(line.slice(0, line.indexOf(' '))), call: line.slice(line.indexOf(' ') + 1)}))
  }

  remove(): void {
    rmSync(this.root, {recursive: true, force: true})
    rmSync(this.home, {recursive: true, force: true})
  }
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
