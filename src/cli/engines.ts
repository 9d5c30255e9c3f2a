/** The engines a machine-wide command (cache, image) looks at: each that answers here. */
import {existsSync} from 'node:fs'
import type {Driver} from '../../drivers/driver.js'
import {getDriver} from '../../drivers/index.js'

/** Podman's API socket where setup.sh and Podman's systemd unit put it. */
export const PODMAN_SOCKET = '/run/podman/podman.sock'

export async function reachableEngines(): Promise<{driver: Driver; label: string}[]> {
  const out: {driver: Driver; label: string}[] = []
  const choices = [
    {name: 'lxc', label: 'lxc'},
    {name: 'docker', label: 'docker'},
    // Podman as well, unless DOCKER_HOST already points the docker driver at it.
    ...(existsSync(PODMAN_SOCKET) && !(process.env.DOCKER_HOST ?? '').endsWith(PODMAN_SOCKET) ? [{name: 'docker', socket: PODMAN_SOCKET, label: 'podman'}] : []),
  ]
  for (const {label, ...choice} of choices) {
    try {
      const driver = await getDriver(choice)
      if ((await driver.doctor()).every((c) => c.ok)) out.push({driver, label})
    } catch {
      // Not installed or not running here: nothing of Galley's to show from it.
    }
  }
  return out
}

/** 90s, 30m, 12h, 7d, 2w → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([smhdw])$/.exec(text.trim())
  if (!m) return undefined
  return Number(m[1]) * {s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5}[m[2] as 's' | 'm' | 'h' | 'd' | 'w']
}

export function humanSize(bytes: number | undefined): string {
  if (bytes === undefined) return '?'
  const units = ['B', 'KiB', 'MiB', 'GiB']
  let i = 0
  while (bytes >= 1024 && i < units.length - 1) {
    bytes /= 1024
    i++
  }
  return `${bytes.toFixed(i ? 1 : 0)} ${units[i]}`
}

export function humanAge(iso: string): string {
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000)
  if (s < 120) return `${Math.round(s)}s`
  if (s < 7200) return `${Math.round(s / 60)}m`
  if (s < 172800) return `${Math.round(s / 3600)}h`
  return `${Math.round(s / 86400)}d`
}
