/** What every galley command shares: --config and --debug, loading the project, and turning errors into exit codes. */
import {Command, Flags, type Interfaces} from '@oclif/core'
import type {DriverName, ProjectConfig} from '../config/types.js'
import {ConfigErrors, ExitCode, GalleyError} from '../errors.js'

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** --log-level, or GALLEY_LOG_LEVEL; info when neither says (or says something unknown). */
export function logLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const level = env.GALLEY_LOG_LEVEL?.toLowerCase()
  return (LOG_LEVELS as readonly string[]).includes(level ?? '') ? (level as LogLevel) : 'info'
}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof GalleyCommand)['baseFlags'] & T['flags']>

/** The flags `--watch` reads, which converge and test share. */
interface WatchFlags {
  config?: string
  driver?: DriverName
  concurrency: number
  'no-cache'?: boolean
  timeout?: number
  destroy?: string
}

export abstract class GalleyCommand extends Command {
  static baseFlags = {
    config: Flags.string({char: 'C', summary: 'Path to galley.yml (default: ./galley.yml).', helpGroup: 'GLOBAL'}),
    debug: Flags.boolean({summary: 'Show stack traces and error causes.', helpGroup: 'GLOBAL'}),
    driver: Flags.option({options: ['lxc', 'docker', 'auto', 'dummy'] as const, summary: 'Run every instance on this engine, whatever galley.yml says.', helpGroup: 'GLOBAL'})(),
    'log-level': Flags.option({
      options: LOG_LEVELS,
      summary: 'How much the console says: error (the summary only), warn (and failures), info (and progress: the default), debug (and all output). Also GALLEY_LOG_LEVEL.',
      helpGroup: 'GLOBAL',
    })(),
  }

  protected debugMode = false

  /** Loads galley.yml. The loader (YAML, the schema, every plugin) is imported here, not at start-up: help and --version never need it. */
  protected async project(flags: {config?: string; driver?: DriverName}): Promise<ProjectConfig> {
    const {loadConfig} = await import('../config/load.js')
    return loadConfig({cwd: process.cwd(), file: flags.config, driver: flags.driver})
  }

  /** `--watch` of converge and test: runs `action` again on every change to what the selected instances read, until Ctrl-C; then exits. */
  protected async watch(action: 'converge' | 'test', flags: WatchFlags, argv: string[]): Promise<void> {
    const [{watchSession}, {selectInstances}] = await Promise.all([import('./watch.js'), import('./select.js')])
    const load = async () => {
      const config = await this.project(flags)
      return {config, specs: selectInstances(config.instances, argv)}
    }
    this.exit(await watchSession(load, {action, concurrency: flags.concurrency, noCache: flags['no-cache'], timeoutMs: flags.timeout, destroy: flags.destroy}))
  }

  override async init(): Promise<void> {
    await super.init()
    this.debugMode = this.argv.includes('--debug')
    // The session reads the level from the environment, so every command honours it alike.
    const at = this.argv.findIndex((a) => a === '--log-level' || a.startsWith('--log-level='))
    const level = at < 0 ? undefined : this.argv[at].includes('=') ? this.argv[at].split('=')[1] : this.argv[at + 1]
    if (level && (LOG_LEVELS as readonly string[]).includes(level)) process.env.GALLEY_LOG_LEVEL = level
  }

  override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (error instanceof GalleyError) {
      if (this.debugMode) this.logToStderr(String(error.stack ?? error) + causeChain(error))
      // Each error with its own hint under it; a hint repeated by the next error is said once.
      const items = error instanceof ConfigErrors ? error.errors : [error]
      items.forEach((e, i) => {
        this.logToStderr(`Error: ${e.message}`)
        if (e.hint && items[i + 1]?.hint !== e.hint) this.logToStderr(`Try this: ${e.hint}`)
      })
      if (!this.debugMode && error.cause) this.logToStderr('(run with --debug for the underlying cause)')
      this.exit(error.exitCode)
    }
    // oclif's own parse errors (unknown flag, missing argument) are usage errors.
    if (error.oclif?.exit === undefined && /Nonexistent flag|Unexpected argument|Missing required|Expected --|Parsing --/i.test(error.message)) {
      this.logToStderr(`Error: ${error.message.split('\n')[0]}\nTry this: galley ${this.id?.replace(/:/g, ' ') ?? ''} --help`)
      this.exit(ExitCode.usage)
    }
    if (error.oclif?.exit !== undefined || error.name === 'ExitError') throw error
    if (!this.debugMode) {
      this.logToStderr(`Error: ${error.message}\nTry this: this is a bug in Galley; run again with --debug and report the output.`)
      this.exit(ExitCode.engine)
    }
    return super.catch(error)
  }
}

function causeChain(error: unknown): string {
  let out = ''
  let cause = (error as {cause?: unknown}).cause
  while (cause) {
    out += `\nCaused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`
    cause = (cause as {cause?: unknown}).cause
  }
  return out
}
