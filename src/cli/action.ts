/** The shape shared by create, converge and verify: select instances, run the action, exit with its code. */
import {Flags} from '@oclif/core'
import {parseDuration} from '../config/values.js'
import {UsageError} from '../errors.js'
import type {Action} from '../lifecycle/instance.js'
import {GalleyCommand} from './base.js'
import {selectInstances} from './select.js'
import {runSession} from './session.js'

export const concurrencyFlag = Flags.integer({char: 'j', summary: 'How many instances to run at once.', default: 4, min: 1, max: 100})
export const noCacheFlag = Flags.boolean({summary: 'Run every converge step, ignoring and not filling the step cache.'})
export const verboseFlag = Flags.boolean({char: 'v', summary: 'Print step and test output on a terminal too (it is always in .galley/logs/).'})
export const tapFlag = Flags.string({summary: 'Also write a TAP report to FILE.', helpValue: 'FILE'})
export const jsonFlag = Flags.string({summary: 'Also write a JSON report to FILE.', helpValue: 'FILE'})
export const htmlFlag = Flags.string({summary: 'Also write an HTML report to FILE: the instance matrix, a timeline of the run, each failure with its output.', helpValue: 'FILE'})
export const timeoutFlag = Flags.custom<number>({
  summary: "Time limit of each step and test that sets no `timeout:` of its own (30s, 10m, 1h; 0: none); it overrides the suites' provisioner.timeout and verifier.timeout.",
  helpValue: 'DURATION',
  parse: async (input) => {
    const ms = parseDuration(input)
    if (ms === undefined) throw new UsageError(`--timeout ${input} is not a duration such as 30s, 10m or 1h`)
    return ms
  },
})()

export abstract class ActionCommand extends GalleyCommand {
  static strict = false
  static flags = {concurrency: concurrencyFlag, 'no-cache': noCacheFlag, verbose: verboseFlag}
  protected abstract action: Action

  async run(): Promise<void> {
    // oclif spreads the options object, which drops inherited statics such as `strict`: pass them explicitly.
    const {argv, flags} = await this.parse({strict: false, flags: ActionCommand.flags, baseFlags: GalleyCommand.baseFlags, args: {}})
    const config = await this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const {code} = await runSession(config, specs, this.action, {concurrency: flags.concurrency, verbose: flags.verbose, noCache: flags['no-cache']})
    if (code !== 0) this.exit(code)
  }
}
