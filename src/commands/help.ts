import {Args, loadHelpClass} from '@oclif/core'
import {GalleyCommand} from '../cli/base.js'

export default class Help extends GalleyCommand {
  static summary = 'Show help for galley or one of its commands.'
  static strict = false
  static args = {command: Args.string({description: 'The command, e.g. test or image build.'})}
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help test']

  async run(): Promise<void> {
    const {argv} = await this.parse(Help)
    const HelpClass = await loadHelpClass(this.config)
    await new HelpClass(this.config).showHelp(argv as string[])
  }
}
