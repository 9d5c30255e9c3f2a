/** What every provisioner turns its settings into, and the steps recipe tools share. */
import type {InstanceSpec} from '../config/types.js'
import {instanceEnv, PROJECT_DIR, type TaskCommand, type Verdict} from '../model.js'
import {SYSTEMCTL_SHIM} from './systemctl-stand-in.js'

/** One converge step: a command, what its cache key covers, and its idempotence re-check. */
export interface ProvisionStep extends TaskCommand {
  cache: {
    /** The environment the key covers (an install step's leaves out the instance, so suites share it). */
    env: Record<string, string>
    /** The step's settings (the command, the playbook's name, the vars). */
    settings: Record<string, unknown>
    /** Project files and folders (relative) whose contents the step reads. */
    paths: string[]
  }
  /** Run in the same container after a full converge under idempotence; none: the step is not re-checked. */
  recheck?: TaskCommand
}

/** A step's environment as its cache key sees it: Galley's per-instance variables, then the step's. */
export function stepEnv(spec: InstanceSpec, env: Record<string, string>): Record<string, string> {
  return {...instanceEnv(spec), ...env}
}

/** A path of the project as the instance sees it. */
export const inProject = (rel: string): string => `${PROJECT_DIR}/${rel.replace(/^\.\//, '').replace(/\/+$/, '')}`

/** Exit code of the install script when the platform has neither the tool nor apt-get. */
const NO_APT = 100


/**
 * The step that makes a recipe tool available: nothing when one of `binaries` is on the PATH,
 * else Debian's `packages` from the platform's apt. Its key covers only the packages (and, through
 * its parent, the base image), so every suite on a platform shares one cached install.
 */
export function installStep(spec: InstanceSpec, tool: string, binaries: string[], packages: string[], options: {systemctlShim?: boolean} = {}): ProvisionStep {
  const script = [
    'pkgs=$1; shift',
    'found=',
    'for b in "$@"; do if command -v "$b" >/dev/null 2>&1; then found=$(command -v "$b"); break; fi; done',
    'if [ -n "$found" ]; then echo "galley: $found is already installed"',
    `elif ! command -v apt-get >/dev/null 2>&1; then echo "galley: no $1 here and no apt-get to install $pkgs with" >&2; exit ${NO_APT}`,
    'else export DEBIAN_FRONTEND=noninteractive; apt-get update -q && apt-get install -y -q --no-install-recommends $pkgs && apt-get clean || exit 1',
    'fi',
    ...(options.systemctlShim
      ? [`pid1=; read -r pid1 </proc/1/comm; if ! command -v systemctl >/dev/null 2>&1 && [ "$pid1" != systemd ]; then cat > /usr/local/bin/systemctl <<'GALLEY_EOF'\n${SYSTEMCTL_SHIM}GALLEY_EOF\nchmod 755 /usr/local/bin/systemctl; fi`]
      : []),
  ].join('\n')
  const name = `install ${packages[0]}`
  const judge = (code: number): Verdict => {
    if (code === 0) return {ok: true}
    if (code === NO_APT) {
      return {
        ok: false,
        message: `platform \`${spec.platform.name}\` has no ${binaries[0]} and no apt-get to install ${packages.join(' ')} with: use a Debian platform (image: {bootstrap: debootstrap}), or an image with ${tool} installed`,
      }
    }
    return {ok: false, message: `installing ${packages.join(' ')} with apt-get failed (exit ${code}); see the output`}
  }
  return {
    kind: 'step',
    name,
    argv: ['/bin/sh', '-c', script, 'galley', packages.join(' '), ...binaries],
    env: {},
    expected: 0,
    command: `apt-get install ${packages.join(' ')}`,
    judge,
    cache: {env: {}, settings: {install: tool, packages, shim: options.systemctlShim ?? false}, paths: []},
  }
}

/** A shell command that writes `content` to `file` (passed as an argument: no quoting to get wrong), then runs `argv`. */
export function writeThenRun(files: {path: string; content: string}[], argv: string[]): string[] {
  const writes = files.map((f, i) => `mkdir -p "$(dirname "${f.path}")" && printf '%s\\n' "$${i + 1}" > "${f.path}"`)
  return ['/bin/sh', '-c', [...writes, `shift ${files.length}`, 'exec "$@"'].join(' && '), 'galley', ...files.map((f) => f.content), ...argv]
}
