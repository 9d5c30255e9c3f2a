import {Flags} from '@oclif/core'
import path from 'node:path'
import {concurrencyFlag, noCacheFlag, verboseFlag} from '../cli/action.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {runSession} from '../cli/session.js'

export default class Test extends GalleyCommand {
  static summary = 'Test instances: destroy, create, converge, verify, then destroy per --destroy; writes JUnit.'
  static usage = 'test [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> test', '<%= config.bin %> test --concurrency 8 --junit report.xml', '<%= config.bin %> test web --destroy always --fail-fast']
  static flags = {
    concurrency: concurrencyFlag,
    destroy: Flags.option({options: ['passing', 'always', 'never'] as const, default: 'passing', summary: 'When to destroy an instance after its test.'})(),
    'fail-fast': Flags.boolean({summary: 'Start no new instance after the first one fails.'}),
    junit: Flags.string({summary: 'Where to write the JUnit report (default: .galley/junit.xml).'}),
    'no-cache': noCacheFlag,
    verbose: verboseFlag,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Test)
    const config = this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const junit = flags.junit ? path.resolve(flags.junit) : path.join(config.root, '.galley', 'junit.xml')
    const {code} = await runSession(config, specs, 'test', {concurrency: flags.concurrency, failFast: flags['fail-fast'], destroy: flags.destroy, junit, verbose: flags.verbose, noCache: flags['no-cache']})
    if (code !== 0) this.exit(code)
  }
}
