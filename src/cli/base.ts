/** What every galley command shares: --config and --debug, loading the project, and turning errors into exit codes. */
import {Command, Flags, type Interfaces} from '@oclif/core'
import {loadConfig} from '../config/load.js'
import type {DriverName, ProjectConfig} from '../config/types.js'
import {ConfigErrors, ExitCode, GalleyError} from '../errors.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof GalleyCommand)['baseFlags'] & T['flags']>

export abstract class GalleyCommand extends Command {
  static baseFlags = {
    config: Flags.string({char: 'C', summary: 'Path to galley.yml (default: ./galley.yml).', helpGroup: 'GLOBAL'}),
    debug: Flags.boolean({summary: 'Show stack traces and error causes.', helpGroup: 'GLOBAL'}),
    driver: Flags.option({options: ['lxc', 'docker', 'auto'] as const, summary: 'Run every instance on this engine, whatever galley.yml says.', helpGroup: 'GLOBAL'})(),
  }

  protected debugMode = false

  protected project(flags: {config?: string; driver?: DriverName}): ProjectConfig {
    return loadConfig({cwd: process.cwd(), file: flags.config, driver: flags.driver})
  }

  override async init(): Promise<void> {
    await super.init()
    this.debugMode = this.argv.includes('--debug')
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
