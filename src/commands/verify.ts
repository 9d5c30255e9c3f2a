import {Flags} from '@oclif/core'
import path from 'node:path'
import {ActionCommand, concurrencyFlag, htmlFlag, jsonFlag, noCacheFlag, tapFlag, timeoutFlag, verboseFlag} from '../cli/action.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {runSession} from '../cli/session.js'

export default class Verify extends ActionCommand {
  static summary = "Verify instances: run the verifier's tests (creating and converging first if needed)."
  static usage = 'verify [INSTANCE|REGEX]...'
  static examples = ['<%= config.bin %> verify', '<%= config.bin %> verify web-debian-12', "<%= config.bin %> verify 'debian' --junit report.xml --tap report.tap"]
  static flags = {
    concurrency: concurrencyFlag,
    'no-cache': noCacheFlag,
    verbose: verboseFlag,
    timeout: timeoutFlag,
    junit: Flags.string({summary: 'Also write a JUnit report to FILE.', helpValue: 'FILE'}),
    tap: tapFlag,
    json: jsonFlag,
    html: htmlFlag,
  }
  protected action = 'verify' as const

  async run(): Promise<void> {
    const {argv, flags} = await this.parse({strict: false, flags: Verify.flags, baseFlags: GalleyCommand.baseFlags, args: {}})
    const config = await this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const file = (f: string | undefined) => (f ? path.resolve(f) : undefined)
    const {code} = await runSession(config, specs, 'verify', {concurrency: flags.concurrency, verbose: flags.verbose, noCache: flags['no-cache'], timeoutMs: flags.timeout, junit: file(flags.junit), tap: file(flags.tap), json: file(flags.json), html: file(flags.html)})
    if (code !== 0) this.exit(code)
  }
}
