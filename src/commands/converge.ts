import {ActionCommand} from '../cli/action.js'

export default class Converge extends ActionCommand {
  static summary = "Converge instances: run the provisioner's steps (creating the instance first if needed)."
  static usage = 'converge [INSTANCE|REGEX]...'
  static examples = ['<%= config.bin %> converge', '<%= config.bin %> converge web-debian-12', "<%= config.bin %> converge 'debian'"]
  protected action = 'converge' as const
}
