import {Flags} from '@oclif/core'
import {GalleyCommand} from '../cli/base.js'
import {galleySchema} from '../config/jsonschema.js'

export default class Schema extends GalleyCommand {
  static summary = "Print galley.yml's JSON Schema, for editors to complete and check the file."
  static description = 'The same schema ships as schema/galley.schema.json in the package. With yaml-language-server (VS Code, Neovim), put `# yaml-language-server: $schema=<path to it>` at the top of galley.yml.'
  static examples = ['<%= config.bin %> schema > galley.schema.json', '<%= config.bin %> schema --local > galley.local.schema.json']
  static flags = {local: Flags.boolean({summary: "galley.local.yml's schema: every key optional."})}

  async run(): Promise<void> {
    const {flags} = await this.parse(Schema)
    this.log(JSON.stringify(galleySchema(flags.local), null, 2))
  }
}
