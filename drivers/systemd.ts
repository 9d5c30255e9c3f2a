/**
 * systemd as an instance's PID 1, as every engine runs it: the units masked so that nothing in the
 * image fights the engine's network, PID 1's command line, and the wait until boot is done.
 */
import {EngineError, InterruptedError} from '../src/errors.js'

/**
 * Units that would take over the address or DNS the engine gives the instance (networkd on a
 * .network file with DHCP replaces a static address, ifupdown adds a second one and slows boot by
 * seconds). Masked for the boot only: they stay as they are in the image and its snapshots.
 */
export const MASKED_UNITS = [
  'systemd-networkd.service',
  'systemd-networkd.socket',
  'systemd-networkd-wait-online.service',
  'networking.service',
  'NetworkManager.service',
  'NetworkManager-wait-online.service',
  'systemd-resolved.service',
]

/** Where systemd is; an image without both cannot boot it. */
export const SYSTEMD_PATHS = ['/sbin/init', '/lib/systemd/systemd']

/** How long a boot may take, to `running` or `degraded`. */
export const BOOT_TIMEOUT_MS = 90_000

/**
 * PID 1's argv: the image's /sbin/init. In a container systemd reads its own arguments as the
 * kernel command line, so the masks go there and never into the instance's files.
 */
export function systemdArgv(): string[] {
  return ['/sbin/init', ...MASKED_UNITS.map((u) => `systemd.mask=${u}`)]
}

/** systemd did not boot: the image has none, PID 1 exited, or boot did not finish in time. */
export class SystemdBootError extends EngineError {}

/** How a boot ended. */
export interface BootReport {
  /** `systemctl is-system-running`: running or degraded. */
  state: string
  /** Units that failed during boot (degraded). */
  failed: string[]
}

// Waits for systemd's private socket first: before it exists systemctl fails ("Failed to connect
// to bus") instead of waiting.
const BOOT_SCRIPT = [
  'while [ ! -S /run/systemd/private ]; do sleep 0.02; done',
  'echo "state $(systemctl is-system-running --wait 2>&1)"',
  'systemctl list-units --state=failed --plain --no-legend --no-pager 2>/dev/null',
].join('\n')

/** Reads the boot script's output. */
export function parseBoot(out: string): BootReport {
  const lines = out.split('\n')
  const state = lines.find((l) => l.startsWith('state '))?.slice(6).trim() ?? ''
  const failed = lines
    .filter((l) => !l.startsWith('state '))
    .map((l) => l.replace(/^[^\w]+/, '').split(/\s+/)[0])
    .filter((u) => /^[\w@:.\\-]+\.[a-z]+$/.test(u))
  return {state, failed}
}

/** The note a degraded boot leaves in the console and the log. */
export function describeDegraded(report: BootReport): string {
  return `systemd booted degraded: ${report.failed.length ? `failed ${report.failed.join(', ')}` : 'no failed unit listed'}`
}

/** Runs a command in the booting container; resolves to its exit code. */
export type Runner = (argv: string[], onStdout: (chunk: Buffer) => void) => Promise<number>

/**
 * Waits until systemd in the container has finished booting: `running`, or `degraded` (some units
 * failed; the boot is accepted and the report names them). Throws SystemdBootError for any other
 * state or when `timeoutMs` passes first, InterruptedError when `signal` aborts.
 */
export async function waitForBoot(run: Runner, name: string, signal?: AbortSignal, timeoutMs = BOOT_TIMEOUT_MS): Promise<BootReport> {
  let out = ''
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const stopped = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new SystemdBootError(`systemd in ${name} did not finish booting within ${timeoutMs / 1000} s`, {hint: 'A unit may hang at boot: galley login, then systemctl list-jobs.'})), timeoutMs)
    onAbort = () => reject(new InterruptedError())
    if (signal?.aborted) onAbort()
    signal?.addEventListener('abort', onAbort, {once: true})
  })
  try {
    await Promise.race([run(['/bin/sh', '-c', BOOT_SCRIPT], (b) => (out += b)), stopped])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
  const report = parseBoot(out)
  if (report.state === 'running' || report.state === 'degraded') return report
  throw new SystemdBootError(`systemd in ${name} did not boot: systemctl is-system-running says ${report.state || 'nothing'}` + (report.failed.length ? `; failed units: ${report.failed.join(', ')}` : ''))
}
