import {ActionCommand} from '../cli/action.js'

export default class Verify extends ActionCommand {
  static summary = "Verify instances: run the verifier's tests (creating and converging first if needed)."
  static usage = 'verify [INSTANCE|REGEX]...'
  static examples = ['<%= config.bin %> verify', '<%= config.bin %> verify web-debian-12', "<%= config.bin %> verify 'debian'"]
  protected action = 'verify' as const
}
