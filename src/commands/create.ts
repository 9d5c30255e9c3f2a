import {ActionCommand} from '../cli/action.js'

export default class Create extends ActionCommand {
  static summary = "Create instances: start a container for each from its platform's base image."
  static usage = 'create [INSTANCE|REGEX]...'
  static examples = ['<%= config.bin %> create', '<%= config.bin %> create web-debian-12', "<%= config.bin %> create 'debian'"]
  protected action = 'create' as const
}
