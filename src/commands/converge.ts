import {Flags} from '@oclif/core'
import {concurrencyFlag, noCacheFlag, verboseFlag} from '../cli/action.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {runSession} from '../cli/session.js'

export default class Converge extends GalleyCommand {
  static summary = "Converge instances: run the provisioner's steps (creating the instance first if needed)."
  static usage = 'converge [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> converge', '<%= config.bin %> converge web-debian-12', "<%= config.bin %> converge 'debian'", '<%= config.bin %> converge --idempotence']
  static flags = {
    concurrency: concurrencyFlag,
    'no-cache': noCacheFlag,
    verbose: verboseFlag,
    idempotence: Flags.boolean({summary: 'Converge a second time and fail the instance when that changes anything.'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Converge)
    const config = await this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const {code} = await runSession(config, specs, 'converge', {concurrency: flags.concurrency, verbose: flags.verbose, noCache: flags['no-cache'], idempotence: flags.idempotence})
    if (code !== 0) this.exit(code)
  }
}
