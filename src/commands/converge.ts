import {Flags} from '@oclif/core'
import {concurrencyFlag, noCacheFlag, timeoutFlag, verboseFlag} from '../cli/action.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {runSession} from '../cli/session.js'

export default class Converge extends GalleyCommand {
  static summary = "Converge instances: run the provisioner's steps (creating the instance first if needed)."
  static usage = 'converge [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> converge', '<%= config.bin %> converge web-debian-12', "<%= config.bin %> converge 'debian'", '<%= config.bin %> converge --idempotence', '<%= config.bin %> converge web-debian-12 --watch']
  static flags = {
    concurrency: concurrencyFlag,
    'no-cache': noCacheFlag,
    verbose: verboseFlag,
    timeout: timeoutFlag,
    idempotence: Flags.boolean({summary: 'Converge a second time and fail the instance when that changes anything.'}),
    watch: Flags.boolean({summary: 'Then watch the files the steps read, and converge the instances they touch again (from the step cache) on every change; Ctrl-C stops.'}),
    destroy: Flags.option({options: ['always', 'never'] as const, summary: 'With --watch: whether Ctrl-C removes the instances (default always).', dependsOn: ['watch']})(),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Converge)
    if (flags.watch) await this.watch('converge', flags, argv as string[])
    const config = await this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const {code} = await runSession(config, specs, 'converge', {concurrency: flags.concurrency, verbose: flags.verbose, noCache: flags['no-cache'], timeoutMs: flags.timeout, idempotence: flags.idempotence})
    if (code !== 0) this.exit(code)
  }
}
