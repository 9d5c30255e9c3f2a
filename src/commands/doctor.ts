import {spawnSync} from 'node:child_process'
import {accessSync, constants, existsSync, mkdirSync, readFileSync, statfsSync} from 'node:fs'
import {getDriver} from '../../drivers/index.js'
import type {DoctorCheck} from '../../drivers/driver.js'
import {GalleyCommand} from '../cli/base.js'
import {PODMAN_SOCKET} from '../cli/engines.js'
import {ExitCode} from '../errors.js'
import {galleyHome} from '../images/store.js'

function tool(name: string, args: string[], fix: string): DoctorCheck {
  const out = spawnSync(name, args, {encoding: 'utf8'})
  const ok = !out.error
  return {name, ok, detail: ok ? (out.stdout || out.stderr).split('\n')[0].trim() || 'present' : `${name} not found`, fix}
}

const GIB = 1024 ** 3

/** The machine: Galley's store (writable, with room for images and layers) and the kernel's forwarding for NAT. */
function machineChecks(): DoctorCheck[] {
  const checks: DoctorCheck[] = []
  const home = galleyHome()
  try {
    mkdirSync(home, {recursive: true})
    accessSync(home, constants.W_OK)
    const fs = statfsSync(home)
    const free = fs.bavail * fs.bsize
    checks.push({
      name: 'store',
      ok: free >= GIB,
      detail: `${home} writable, ${(free / GIB).toFixed(1)} GiB free`,
      fix: `Free space under ${home} (galley cache prune --all, galley image rm --all), or point GALLEY_HOME at a larger disk.`,
    })
  } catch (error) {
    checks.push({name: 'store', ok: false, detail: `${home} is not writable: ${(error as Error).message}`, fix: 'Run galley as root, or set GALLEY_HOME to a folder you can write.'})
  }
  let forward = ''
  try {
    forward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()
  } catch {
    // No procfs entry: reported below as off.
  }
  checks.push({
    name: 'ip forwarding',
    ok: forward === '1',
    detail: forward === '1' ? 'on (instances reach the network through NAT)' : 'off: instances cannot reach package mirrors',
    fix: 'sysctl -w net.ipv4.ip_forward=1 (lxc-net and dockerd turn it on when they start)',
  })
  return checks
}

export default class Doctor extends GalleyCommand {
  static summary = 'Check that the engines and tools Galley needs are here and usable, and say how to fix what is not.'
  static examples = ['<%= config.bin %> doctor']

  async run(): Promise<void> {
    const checks: DoctorCheck[] = []
    for (const [engine, fix] of [['lxc', 'apt-get install lxc'], ['docker', 'apt-get install docker.io, then start dockerd']] as const) {
      try {
        checks.push(...(await (await getDriver(engine)).doctor()).map((c) => ({...c, name: `${engine}: ${c.name}`})))
      } catch (error) {
        checks.push({name: engine, ok: false, detail: (error as Error).message, fix})
      }
    }
    // Podman's Docker-compatible socket, when it is where `podman system service` puts it as root.
    if (existsSync(PODMAN_SOCKET)) {
      const podman = await getDriver({name: 'docker', socket: PODMAN_SOCKET})
      checks.push(...(await podman.doctor()).map((c) => ({...c, name: `podman: ${c.name}`, detail: `${c.detail} (use driver: {name: docker, socket: ${PODMAN_SOCKET}})`})))
    }
    checks.push(...machineChecks())
    checks.push(tool('debootstrap', ['--version'], 'apt-get install debootstrap'))
    checks.push(tool('/bin/busybox', ['--help'], 'apt-get install busybox-static'))
    for (const c of checks) {
      this.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)
      if (!c.ok && c.fix) this.log(`     fix: ${c.fix}`)
    }
    // One usable engine is enough to run galley; the tools for base images are needed either way.
    const usable = (engine: string) => checks.filter((c) => c.name.startsWith(`${engine}:`) || c.name === engine).every((c) => c.ok)
    const tools = checks.filter((c) => !c.name.includes(':') && c.name !== 'lxc' && c.name !== 'docker').every((c) => c.ok)
    if (checks.some((c) => c.name.startsWith('podman:') && !c.ok)) this.log('\nPodman\'s socket exists but does not answer: restart podman system service')
    const engines = ['lxc', 'docker'].filter(usable)
    this.log(engines.length ? `\nusable engines: ${engines.join(', ')} (driver auto picks ${engines[0]})` : '\nno usable engine: fix one of the above')
    if (engines.length === 0 || !tools) this.exit(ExitCode.engine)
  }
}
