import {Flags} from '@oclif/core'
import path from 'node:path'
import {concurrencyFlag, noCacheFlag, verboseFlag} from '../cli/action.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {promotionRef, runSession} from '../cli/session.js'
import {UsageError} from '../errors.js'
import {IMAGE_NAME} from '../lifecycle/promote.js'

export default class Test extends GalleyCommand {
  static summary = 'Test instances: destroy, create, converge, verify, then destroy per --destroy; writes JUnit.'
  static usage = 'test [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> test', '<%= config.bin %> test --concurrency 8 --junit report.xml', '<%= config.bin %> test web --destroy always --fail-fast']
  static flags = {
    concurrency: concurrencyFlag,
    destroy: Flags.option({options: ['passing', 'always', 'never'] as const, default: 'passing', summary: 'When to destroy an instance after its test.'})(),
    'fail-fast': Flags.boolean({summary: 'Start no new instance after the first one fails.'}),
    idempotence: Flags.boolean({summary: 'Converge each instance a second time and fail it when that changes anything.'}),
    junit: Flags.string({summary: 'Where to write the JUnit report (default: .galley/junit.xml).'}),
    'no-cache': noCacheFlag,
    promote: Flags.string({summary: 'Promote every passing instance, before it is destroyed, to NAME/<instance>:latest (or a name with {instance} in it).'}),
    verbose: verboseFlag,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Test)
    if (flags.promote && !IMAGE_NAME.test(promotionRef(flags.promote, 'x'))) {
      throw new UsageError(`--promote \`${flags.promote}\` does not make image names (lower-case NAME, optional :TAG)`, {hint: 'For example: --promote myorg, or --promote "myorg/{instance}:1.0"'})
    }
    const config = this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const junit = flags.junit ? path.resolve(flags.junit) : path.join(config.root, '.galley', 'junit.xml')
    const {code} = await runSession(config, specs, 'test', {concurrency: flags.concurrency, failFast: flags['fail-fast'], destroy: flags.destroy, junit, verbose: flags.verbose, noCache: flags['no-cache'], promote: flags.promote, idempotence: flags.idempotence})
    if (code !== 0) this.exit(code)
  }
}
