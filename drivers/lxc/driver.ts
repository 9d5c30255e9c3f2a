/**
 * The LXC driver: liblxc through koffi (ffi.ts), in Galley's own lxcpath. Base images are plain
 * directories; an instance is an overlay over one, with its own upper directory, started with a
 * small shell loop or the image's systemd as PID 1. This class puts together the files beside it:
 * config (the container's config and start), systemd (what booting it needs), exec and pipes,
 * layers (step snapshots), images (promote, save, push), debris (list and leftovers) and cgroups.
 */
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'
import {setTimeout as sleep} from 'node:timers/promises'
import type {ImageSpec} from '../../src/config/types.js'
import {InterruptedError, type EngineError} from '../../src/errors.js'
import type {ArchiveFormat} from '../../src/images/archive.js'
import {storeDir} from '../../src/images/store.js'
import type {ContainerHandle, CreateOptions, DoctorCheck, Driver, ExecOptions, ImageProgress, LimitCounters, Snapshot, SnapshotInfo} from '../driver.js'
import {describeDegraded, SystemdBootError, waitForBoot} from '../systemd.js'
import {cgroupVersion, readOwnCgroups, StaleCgroups} from './cgroups.js'
import {startContainer, writeContainer} from './config.js'
import {CONFIG_NAME, isRunning, readMeta, type ContainerMeta} from './containers.js'
import {listContainers, removeDebris} from './debris.js'
import {attachTerminal, copyInto, copyOutOf, execIn} from './exec.js'
import * as lxc from './ffi.js'
import {ensureBaseImage} from './base-image.js'
import {findLayer, listLayers, lowersOf, removeLayer, snapshotLayer} from './layers.js'
import {limitsHitIn} from './limits.js'
import {findBridge, leaseAddress, releaseAddress, type Bridge} from './network.js'
import {consoleTail, missingSystemd} from './systemd.js'

const BOOT_HINT = 'Check that the image boots systemd on its own (its console above says how far it got); --debug shows the whole cause.'

/** Fails before anything starts when the layers of `snapshot` hold no systemd to boot. */
function checkSystemd(lowers: string[], snapshot: string): void {
  const missing = missingSystemd(lowers)
  if (missing.length === 0) return
  throw new SystemdBootError(`the image of ${snapshot} has no systemd (${missing.join(' and ')} not found), so init: systemd cannot boot it`, {
    hint: 'Use a Debian platform (image: {bootstrap: debootstrap}), which gets systemd with init: systemd, or an image with systemd installed; or set init: none.',
  })
}

/**
 * Whether the container's PID 1 has exited. Its processes die with it, so a boot wait can fail
 * before liblxc's monitor has seen the container stop: a container still running is asked again
 * for a moment.
 */
async function initExited(handle: ContainerHandle): Promise<boolean> {
  for (let tries = 0; tries < 20; tries++) {
    if (!isRunning(handle.name, String(handle.lxcpath))) return true
    await sleep(50)
  }
  return false
}

/** How long systemd may take to shut down before the container is killed. */
const SHUTDOWN_TIMEOUT_S = 3

export interface LxcDriverOptions {
  lxcpath?: string
  bridge?: string
}

export class LxcDriver implements Driver {
  readonly name = 'lxc'
  readonly mountsHostFolders = true
  readonly lxcpath: string
  private readonly bridgeName: string
  private bridge?: Bridge
  /** This process's own cgroups, which it returns to after each start. */
  private readonly home = readOwnCgroups()
  private readonly stale = new StaleCgroups()

  constructor(options: LxcDriverOptions = {}) {
    this.lxcpath = options.lxcpath ?? storeDir('lxc')
    this.bridgeName = options.bridge ?? process.env.GALLEY_LXC_BRIDGE ?? 'lxcbr0'
    mkdirSync(this.lxcpath, {recursive: true})
  }

  async doctor(): Promise<DoctorCheck[]> {
    const checks: DoctorCheck[] = []
    checks.push({name: 'liblxc', ok: true, detail: `liblxc ${lxc.lxc_get_version()}`})
    const root = process.getuid?.() === 0
    checks.push({name: 'root', ok: root, detail: root ? 'running as root' : 'not running as root', fix: 'Run galley as root (sudo) to use the LXC driver.'})
    try {
      const b = findBridge(this.bridgeName)
      checks.push({name: 'bridge', ok: true, detail: `${b.name} ${b.address}/${b.prefix}`})
    } catch (error) {
      checks.push({name: 'bridge', ok: false, detail: (error as Error).message, fix: (error as EngineError).hint})
    }
    const overlay = readFileSync('/proc/filesystems', 'utf8').includes('overlay')
    checks.push({name: 'overlayfs', ok: overlay, detail: overlay ? 'overlay filesystem available' : 'the kernel has no overlay filesystem', fix: 'Load it: modprobe overlay'})
    checks.push({name: 'cgroups', ok: true, detail: `cgroup v${cgroupVersion()}`})
    return checks
  }

  async ensureImage(spec: ImageSpec, onProgress?: ImageProgress, signal?: AbortSignal): Promise<Snapshot> {
    return {id: await ensureBaseImage(spec, onProgress, signal), driver: this.name}
  }

  /** The lxcpath a handle's container lives in: its own, or this driver's. */
  private lxcpathOf(handle: ContainerHandle): string {
    return String(handle.lxcpath ?? this.lxcpath)
  }

  async create(options: CreateOptions): Promise<ContainerHandle> {
    const {name} = options
    const dir = path.join(this.lxcpath, name)
    const lowers = lowersOf(options.snapshot.id)
    const missing = lowers.find((l) => !existsSync(l))
    if (missing) throw new lxc.LxcError(`snapshot ${options.snapshot.id} is incomplete: ${missing} is gone`, {hint: 'Remove the step cache and build again: galley cache prune --all, or run with --no-cache.'})
    this.bridge ??= findBridge(this.bridgeName)
    try {
      mkdirSync(dir)
    } catch (error) {
      throw new lxc.LxcError(`container ${name} already exists in ${this.lxcpath}`, {cause: error, hint: 'Remove it with: galley destroy'})
    }
    const systemd = options.init === 'systemd'
    if (systemd) checkSystemd(lowers, options.snapshot.id)
    const handle: ContainerHandle = {driver: this.name, name, lxcpath: this.lxcpath, ...(systemd ? {init: 'systemd' as const} : {})}
    try {
      const address = leaseAddress(this.bridge, dir)
      handle.address = address
      handle.bridge = this.bridge.name
      const meta: ContainerMeta = {labels: options.labels, snapshot: options.snapshot.id, lowers, address, bridge: this.bridge.name, ...(systemd ? {init: 'systemd' as const} : {})}
      writeContainer(dir, {instance: options.instance, bridge: this.bridge, limits: options.limits, mounts: options.mounts ?? [], meta})
      await startContainer(name, this.lxcpath, this.home, meta.init)
      if (systemd) await this.boot(handle, dir, options)
      return handle
    } catch (error) {
      await this.destroy(handle).catch(() => {})
      throw error
    }
  }

  /** Waits for systemd to finish booting; a failed boot says what its console said. */
  private async boot(handle: ContainerHandle, dir: string, options: CreateOptions): Promise<void> {
    try {
      const report = await waitForBoot((argv, onStdout) => execIn(handle, argv, {onStdout}), handle.name, options.signal)
      if (report.state === 'degraded') options.onNote?.(describeDegraded(report))
    } catch (error) {
      if (error instanceof InterruptedError) throw error
      const exited = (await initExited(handle)) ? ': its PID 1 exited' : ''
      const tail = consoleTail(dir)
      throw new SystemdBootError(`systemd did not boot in ${handle.name}${exited}` + (tail ? `; its console ended with:\n${tail}` : ''), {cause: error, hint: BOOT_HINT})
    }
  }

  exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    return execIn(handle, argv, options)
  }

  limitsHit(handle: ContainerHandle): Promise<LimitCounters | undefined> {
    return limitsHitIn(handle)
  }

  interactive(handle: ContainerHandle, argv: string[]): Promise<number> {
    return attachTerminal(handle, argv)
  }

  async copyIn(handle: ContainerHandle, tar: Readable, dest: string): Promise<void> {
    await copyInto(handle, tar, dest)
  }

  async copyOut(handle: ContainerHandle, file: string): Promise<Readable> {
    return copyOutOf(handle, file)
  }

  async snapshot(handle: ContainerHandle, key: string): Promise<Snapshot> {
    return {id: await snapshotLayer(handle.name, this.lxcpathOf(handle), key), driver: this.name}
  }

  async findSnapshot(key: string): Promise<Snapshot | undefined> {
    const id = findLayer(key)
    return id ? {id, driver: this.name} : undefined
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    return listLayers(this.lxcpath)
  }

  removeSnapshot(id: string): Promise<boolean> {
    return removeLayer(this.lxcpath, id)
  }

  // Promote, save and push load the archive and registry code on first use, not with the driver.
  async promote(handle: ContainerHandle, ref: string, labels: Record<string, string>): Promise<void> {
    const {promoteContainer} = await import('./images.js')
    return promoteContainer(handle.name, this.lxcpathOf(handle), ref, labels)
  }

  async saveImage(ref: string, format: ArchiveFormat, file: string): Promise<void> {
    const {saveImage} = await import('./images.js')
    return saveImage(ref, format, file)
  }

  async pushImage(ref: string, onProgress?: (line: string) => void): Promise<void> {
    const {pushImage} = await import('./images.js')
    return pushImage(ref, onProgress)
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    const lxcpath = this.lxcpathOf(handle)
    const dir = path.join(lxcpath, handle.name)
    if (!existsSync(dir)) return
    let meta: Partial<ContainerMeta> = {}
    try {
      meta = readMeta(dir)
    } catch {
      // Never got that far.
    }
    if (existsSync(path.join(dir, CONFIG_NAME))) {
      await lxc.withContainer(handle.name, lxcpath, async (c) => {
        if (!(await lxc.is_running_async(c))) return
        if (meta.init === 'systemd') {
          try {
            // systemd's own shutdown stops the units; a unit that will not stop is killed with the rest.
            return await lxc.shutdown(c, SHUTDOWN_TIMEOUT_S)
          } catch (error) {
            if (!(error instanceof lxc.LxcShutdownError)) throw error
          }
        }
        await lxc.stop(c)
      })
    }
    await rm(dir, {recursive: true, force: true})
    if (meta.address && meta.bridge) releaseAddress({name: meta.bridge, address: '', prefix: 24}, meta.address, dir)
    // The monitor may take a moment to exit; what stays is removed at the next chance or at exit.
    this.stale.add(handle.name)
  }

  async list(labels: Record<string, string>): Promise<ContainerHandle[]> {
    return listContainers(this.lxcpath, labels)
  }

  removeDebris(): Promise<string[]> {
    return removeDebris(this.lxcpath)
  }
}
