/** What every provisioner turns its settings into, and the steps recipe tools share. */
import type {InstanceSpec} from '../config/types.js'
import {PROJECT_DIR, type TaskCommand, type Verdict} from '../lifecycle/commands.js'
import {instanceEnv} from '../lifecycle/cache.js'

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
 * A stand-in `systemctl` for containers whose PID 1 is not systemd: tools that assume systemd on
 * Debian (itamae's service resource through specinfra, Ansible's systemd module) start, stop,
 * enable and query services through their init scripts instead.
 */
const SYSTEMCTL_SHIM = `#!/bin/sh
# Installed by galley: systemd is not running in this container, so services go through /etc/init.d.
quiet=; cmd=; units=
for a; do
  case $a in
    -q|--quiet) quiet=1 ;;
    -*) ;;
    *) if [ -z "$cmd" ]; then cmd=$a; else units="$units \${a%.service}"; fi ;;
  esac
done
say() { [ -n "$quiet" ] || echo "$1"; }
enabled() { ls /etc/rc[2345].d/S[0-9][0-9]"$1" >/dev/null 2>&1; }
case $cmd in
  '') echo "systemd 252 (galley's stand-in: services go through /etc/init.d)"; exit 0 ;;
  daemon-reload|daemon-reexec|reset-failed) exit 0 ;;
  list-unit-files)
    for s in /etc/init.d/*; do
      n=\${s##*/}; [ -x "$s" ] && [ "$n" != rc ] && [ "$n" != rcS ] || continue
      if enabled "$n"; then echo "$n.service enabled"; else echo "$n.service disabled"; fi
    done
    exit 0 ;;
esac
rc=0
for u in $units; do
  script=/etc/init.d/$u
  case $cmd in
    start|stop|restart|reload|force-reload|status) "$script" "$cmd" || rc=$? ;;
    try-restart|condrestart) "$script" status >/dev/null 2>&1 && { "$script" restart || rc=$?; } ;;
    reload-or-restart|try-reload-or-restart) "$script" reload || "$script" restart || rc=$? ;;
    show)
      if [ -x "$script" ]; then load=loaded; else load=not-found; fi
      if [ $load = loaded ] && "$script" status >/dev/null 2>&1; then active=active; sub=running; else active=inactive; sub=dead; fi
      if enabled "$u"; then file=enabled; else file=disabled; fi
      printf 'Id=%s.service\nNames=%s.service\nLoadState=%s\nActiveState=%s\nSubState=%s\nUnitFileState=%s\n' "$u" "$u" $load $active $sub $file ;;
    is-active) if "$script" status >/dev/null 2>&1; then say active; else say inactive; rc=3; fi ;;
    is-enabled) if enabled "$u"; then say enabled; else say disabled; rc=1; fi ;;
    enable) if command -v update-rc.d >/dev/null 2>&1; then update-rc.d "$u" defaults >/dev/null && update-rc.d "$u" enable >/dev/null || rc=$?; else for l in 2 3 4 5; do mkdir -p /etc/rc$l.d && ln -sf ../init.d/"$u" /etc/rc$l.d/S01"$u"; done; fi ;;
    disable) if command -v update-rc.d >/dev/null 2>&1; then update-rc.d "$u" disable >/dev/null || rc=$?; else rm -f /etc/rc[2345].d/S[0-9][0-9]"$u"; fi ;;
    *) echo "systemctl (galley's stand-in, no systemd here): \\\`$cmd\\\` is not supported" >&2; exit 1 ;;
  esac
done
exit $rc
`

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
      ? [`if ! command -v systemctl >/dev/null 2>&1 && [ ! -d /run/systemd/system ]; then cat > /usr/local/bin/systemctl <<'GALLEY_EOF'\n${SYSTEMCTL_SHIM}GALLEY_EOF\nchmod 755 /usr/local/bin/systemctl; fi`]
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
    judge,
    cache: {env: {}, settings: {install: tool, packages, shim: options.systemctlShim ?? false}, paths: []},
  }
}

/** A shell command that writes `content` to `file` (passed as an argument: no quoting to get wrong), then runs `argv`. */
export function writeThenRun(files: {path: string; content: string}[], argv: string[]): string[] {
  const writes = files.map((f, i) => `mkdir -p "$(dirname "${f.path}")" && printf '%s\\n' "$${i + 1}" > "${f.path}"`)
  return ['/bin/sh', '-c', [...writes, `shift ${files.length}`, 'exec "$@"'].join(' && '), 'galley', ...files.map((f) => f.content), ...argv]
}
