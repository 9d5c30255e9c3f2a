/** Running a test as a user of the instance other than root (`user:` on tests, verifier entries and the verifier). */
import type {Schema} from '../config/schema.js'

/** A user name as useradd accepts it (a trailing `$` for machine accounts), or a numeric uid. */
export const USER_SCHEMA: Schema = {kind: 'string', pattern: /^(?:[A-Za-z_][A-Za-z0-9_.-]*\$?|\d+)$/, what: 'a user name of the instance (letters, digits, `_`, `.`, `-`) or a uid'}

/** Exit code when the user does not exist in the instance. */
export const NO_SUCH_USER = 126

/** One argument quoted for sh. */
const quote = (arg: string): string => `'${arg.replaceAll("'", `'\\''`)}'`

/**
 * `argv` run as `user` by root: runuser where util-linux has it (Debian), su elsewhere (busybox);
 * both keep the environment and the working folder, and set HOME, USER and LOGNAME to the user's.
 */
export function asUser(user: string, argv: string[]): string[] {
  const script = [
    `if ! id "$1" >/dev/null 2>&1; then echo "galley: there is no user $1 in the instance: create it in a converge step" >&2; exit ${NO_SUCH_USER}; fi`,
    'if command -v runuser >/dev/null 2>&1; then exec runuser -u "$1" -- /bin/sh -c "$2"; fi',
    'exec su -s /bin/sh "$1" -c "$2"',
  ].join('\n')
  return ['/bin/sh', '-c', script, 'galley', user, argv.map(quote).join(' ')]
}
