/**
 * What an LXC instance needs to boot systemd: its config lines, a check that the layers it stacks
 * hold systemd at all (made on the host, before anything starts), and the console log that says
 * why a boot failed.
 */
import {lstatSync, readFileSync, readlinkSync, writeFileSync, type Stats} from 'node:fs'
import path from 'node:path'
import {SYSTEMD_PATHS} from '../systemd.js'

const CONSOLE_LOG = 'console.log'
const HOSTNAME_FILE = 'hostname'

/** The topmost layer's entry for `rel`; undefined when no layer has it or the topmost deleted it. */
function topmost(layers: string[], rel: string): {file: string; stat: Stats} | undefined {
  for (const layer of layers) {
    const file = path.join(layer, rel)
    const stat = lstatSync(file, {throwIfNoEntry: false})
    if (!stat) continue
    // Overlay's whiteout (a 0/0 character device): deleted in this layer.
    if (stat.isCharacterDevice() && stat.rdev === 0) return undefined
    return {file, stat}
  }
  return undefined
}

/**
 * The file `file` (absolute, as the container sees it) names in an overlay of `layers` (top
 * first), following symlinks as the container would (absolute ones from its root); undefined when
 * it is not there.
 */
export function lookUpInLayers(layers: string[], file: string, hops = 0): Stats | undefined {
  if (hops > 40) return undefined
  const parts = file.split('/').filter(Boolean)
  let dir = '/'
  let found: {file: string; stat: Stats} | undefined
  for (const [i, part] of parts.entries()) {
    const rel = path.posix.join(dir, part)
    found = topmost(layers, rel)
    if (!found) return undefined
    if (found.stat.isSymbolicLink()) {
      const target = readlinkSync(found.file)
      return lookUpInLayers(layers, path.posix.join(target.startsWith('/') ? '/' : dir, target, ...parts.slice(i + 1)), hops + 1)
    }
    dir = rel
  }
  return found?.stat
}

/** The systemd files the layers lack (empty when the image can boot systemd). */
export function missingSystemd(layers: string[]): string[] {
  return SYSTEMD_PATHS.filter((f) => !lookUpInLayers(layers, f)?.isFile())
}

/**
 * The config lines of a systemd instance in folder `dir`: systemd's halt signal for shutdown, its
 * console kept in a file, and /etc/hostname bound to the instance's name, as systemd sets the
 * hostname from that file over the one LXC gives.
 */
export function systemdConfig(dir: string, hostname: string): string[] {
  writeFileSync(path.join(dir, HOSTNAME_FILE), `${hostname}\n`)
  return [
    'lxc.signal.halt = SIGRTMIN+3',
    `lxc.console.logfile = ${path.join(dir, CONSOLE_LOG)}`,
    `lxc.mount.entry = ${path.join(dir, HOSTNAME_FILE)} etc/hostname none bind,create=file 0 0`,
  ]
}

/** The last lines systemd wrote to the instance's console, or '' when there are none. */
export function consoleTail(dir: string, lines = 15): string {
  try {
    return readFileSync(path.join(dir, CONSOLE_LOG), 'utf8').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim().split(/\r?\n/).slice(-lines).join('\n')
  } catch {
    return ''
  }
}
