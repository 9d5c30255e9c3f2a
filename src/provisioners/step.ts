/** What every provisioner turns its settings into, and the steps recipe tools share. */
import type {InstanceSpec} from '../config/types.js'
import {instanceEnv, PROJECT_DIR, type TaskCommand, type Verdict} from '../model.js'
import {createHash} from 'node:crypto'
import {SYSTEMCTL_SHIM} from './systemctl-stand-in.js'

const SHIM_VERSION = createHash('sha256').update(SYSTEMCTL_SHIM).digest('hex').slice(0, 12)

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
  /**
   * Runs after the idempotence pass when there is one (a side effect that the second converge must
   * not see), so it comes last, and a converge under idempotence never restores its snapshot.
   */
  afterIdempotence?: boolean
}

/** A step's environment as its cache key sees it: Galley's per-instance variables, then the step's. */
export function stepEnv(spec: InstanceSpec, env: Record<string, string>): Record<string, string> {
  return {...instanceEnv(spec), ...env}
}

/** A path of the project as the instance sees it. */
export const inProject = (rel: string): string => `${PROJECT_DIR}/${rel.replace(/^\.\//, '').replace(/\/+$/, '')}`

export interface InstallOptions {
  /** Add the stand-in systemctl when the image has no systemd. */
  systemctlShim?: boolean
  /** Packages a release may lack, each with the one to install instead (Debian 11 has no ansible-core: its ansible carries ansible-base). */
  orElse?: Record<string, string>
  /** A shell test that what is on the PATH is enough (the full ansible package's collections, say); it is reinstalled when the test fails. */
  present?: string
}

/** Exit code of the install script when the platform has neither the tool nor apt-get. */
const NO_APT = 100


/**
 * The step that makes a recipe tool available: nothing when one of `binaries` is on the PATH,
 * else Debian's `packages` from the platform's apt. Its key covers only the packages (and, through
 * its parent, the base image), so every suite on a platform shares one cached install.
 */
export function installStep(spec: InstanceSpec, tool: string, binaries: string[], packages: string[], options: InstallOptions = {}): ProvisionStep {
  // A package this release does not have is swapped for its stand-in before installing.
  const swaps = Object.entries(options.orElse ?? {}).map(
    ([p, other]) => `if ! apt-cache show --no-all-versions ${p} >/dev/null 2>&1; then echo "galley: this release has no ${p} package; installing ${other} instead"; pkgs=$(echo " $pkgs " | sed 's/ ${p} / ${other} /'); fi`,
  )
  const script = [
    'pkgs=$1; shift',
    'found=',
    'for b in "$@"; do if command -v "$b" >/dev/null 2>&1; then found=$(command -v "$b"); break; fi; done',
    ...(options.present ? [`if [ -n "$found" ] && ! { ${options.present}; } >/dev/null 2>&1; then echo "galley: $found is installed but lacks what this suite needs"; found=; fi`] : []),
    'if [ -n "$found" ]; then echo "galley: $found is already installed"',
    `elif ! command -v apt-get >/dev/null 2>&1; then echo "galley: no $1 here and no apt-get to install $pkgs with" >&2; exit ${NO_APT}`,
    'else export DEBIAN_FRONTEND=noninteractive; apt-get update -q || exit 1',
    ...swaps,
    'apt-get install -y -q --no-install-recommends $pkgs && apt-get clean || exit 1',
    'fi',
    ...(options.systemctlShim
      ? [`pid1=; read -r pid1 </proc/1/comm; if [ "$pid1" != systemd ]; then cat > /usr/local/bin/systemctl <<'GALLEY_EOF'\n${SYSTEMCTL_SHIM}GALLEY_EOF\nchmod 755 /usr/local/bin/systemctl; fi`]
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
    // The stand-in's own text is in the key: a cached install keeps the stand-in it was made with.
    cache: {env: {}, settings: {install: tool, packages, shim: options.systemctlShim ? SHIM_VERSION : false, ...(options.orElse ? {orElse: options.orElse} : {}), ...(options.present ? {present: options.present} : {})}, paths: []},
  }
}

/** A shell command that writes `content` to `file` (passed as an argument: no quoting to get wrong), then runs `argv`. */
export function writeThenRun(files: {path: string; content: string}[], argv: string[]): string[] {
  const writes = files.map((f, i) => `mkdir -p "$(dirname "${f.path}")" && printf '%s\\n' "$${i + 1}" > "${f.path}"`)
  return ['/bin/sh', '-c', [...writes, `shift ${files.length}`, 'exec "$@"'].join(' && '), 'galley', ...files.map((f) => f.content), ...argv]
}
