import {spawnSync} from 'node:child_process'
import {accessSync, constants, existsSync, mkdirSync, readFileSync, statfsSync} from 'node:fs'
import {getDriver} from '../../drivers/index.js'
import type {DoctorCheck} from '../../drivers/driver.js'
import {GalleyCommand} from '../cli/base.js'
import {PODMAN_SOCKET} from '../cli/engines.js'
import type {InstanceSpec} from '../config/types.js'
import {ExitCode, type GalleyError} from '../errors.js'
import {entryChoice, isPool, poolEntries} from '../lifecycle/pool/open.js'
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
    const pools = await this.poolChecks()
    checks.push(...pools.flat())
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
    // A pool goes on without the engines that do not answer, not without all of them.
    const deadPool = pools.some((p) => p.length > 0 && p.every((c) => !c.ok))
    if (deadPool) this.log('\nno engine of the pool in driver.hosts answers: start one, or fix its address')
    if (checks.some((c) => c.name.startsWith('podman:') && !c.ok)) this.log('\nPodman\'s socket exists but does not answer: restart podman system service')
    const engines = ['lxc', 'docker'].filter(usable)
    this.log(engines.length ? `\nusable engines: ${engines.join(', ')} (driver auto picks ${engines[0]})` : '\nno usable engine: fix one of the above')
    if (engines.length === 0 || !tools || deadPool) this.exit(ExitCode.engine)
  }

  /**
   * Each engine of each pool the project here lists in driver.hosts, checked as a run would: one
   * list of checks per pool. No project here (or one that does not load) means no pool to check.
   */
  private async poolChecks(): Promise<DoctorCheck[][]> {
    const {flags} = await this.parse(Doctor)
    let specs: InstanceSpec[]
    try {
      specs = (await this.project(flags)).instances
    } catch {
      return []
    }
    const pools = new Map(specs.filter((s) => isPool(s.driver)).map((s) => [JSON.stringify(s.driver.hosts), s.driver.hosts!]))
    return Promise.all(
      [...pools.values()].map(async (hosts) => {
        const entries = await Promise.all(
          poolEntries(hosts).map(async (entry): Promise<DoctorCheck[]> => {
            const name = `pool ${entry.name}`
            if (entry.error) return [{name: `${name}: engine`, ok: false, detail: entry.error.message, fix: entry.error.hint}]
            try {
              return (await (await getDriver(entryChoice(entry))).doctor()).map((c) => ({...c, name: `${name}: ${c.name}`}))
            } catch (error) {
              return [{name: `${name}: engine`, ok: false, detail: (error as Error).message, fix: (error as GalleyError).hint}]
            }
          }),
        )
        return entries.flat()
      }),
    )
  }
}
