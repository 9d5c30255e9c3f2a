import {Args} from '@oclif/core'
import {getDriver} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {ensureCreated} from '../cli/ensure.js'
import {selectInstances} from '../cli/select.js'
import {UsageError} from '../errors.js'

export default class Login extends GalleyCommand {
  static summary = 'Open an interactive shell in an instance (creating it first if needed).'
  static examples = ['<%= config.bin %> login web-debian-12']
  static args = {instance: Args.string({required: true, description: 'Instance name or a regular expression matching exactly one.'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Login)
    const config = await this.project(flags)
    const specs = selectInstances(config.instances, [args.instance])
    if (specs.length !== 1) throw new UsageError(`\`${args.instance}\` matches ${specs.length} instances (${specs.map((s) => s.name).join(', ')}); login takes one`, {hint: 'Give the full instance name.'})
    const handle = (await ensureCreated(config, specs)).get(specs[0].name)!
    const driver = await getDriver({name: handle.driver, socket: handle.socket as string | undefined})
    const code = await driver.interactive(handle, ['/bin/sh', '-c', 'if command -v bash >/dev/null; then exec bash -l; else exec sh -l; fi'])
    if (code !== 0) this.exit(code)
  }
}
