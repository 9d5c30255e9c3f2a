/**
 * The LXC driver: liblxc through koffi (ffi.ts), in Galley's own lxcpath. Base images are plain
 * directories; an instance is an overlay over one, with its own upper directory, started with a
 * small shell loop as PID 1.
 */
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {PassThrough, Readable} from 'node:stream'
import {isImageRef, type ImageSpec} from '../../src/config/types.js'
import {EngineError} from '../../src/errors.js'
import {ensureImage} from '../../src/images/build.js'
import {archiveLayout, imageConfig, writeLayout, type ArchiveFormat} from '../../src/images/archive.js'
import {stageLayer} from '../../src/images/layer.js'
import {run} from '../../src/images/run.js'
import {pushLayout} from '../../src/images/registry.js'
import {packDirectory} from '../../src/images/tar.js'
import {diskUsage, hasImage, imageDir, imageLowers, readImage, removeImage, readTags, storeDir, storePath, writeTag, type ImageRecord} from '../../src/images/store.js'
import type {ContainerHandle, CreateOptions, DoctorCheck, Driver, ExecOptions, ImageProgress, Limits, Snapshot, SnapshotInfo} from '../driver.js'
import * as lxc from './ffi.js'
import {findBridge, leaseAddress, releaseAddress, type Bridge} from './network.js'
import {processAlive} from '../../src/process.js'

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
// PID 1: reaps orphans (the shell's wait) and exits on SIGTERM.
const INIT = ['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 2147483 & wait $!; done']
const CONFIG_NAME = 'config'
/** Step snapshots are layers named step-<cache key> in the layer store. */
const STEP_PREFIX = 'step-'

interface Layer {
  id: string
  key: string
  /** What a container made from it stacks, top first: this layer's own rootfs, then its base's. */
  lowers: string[]
  createdAt: string
  size: number
}

const LABELS_NAME = 'galley.json'

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir)
  } catch {
    // Not empty, or not there.
  }
}

export class LxcError extends EngineError {}

function cgroupVersion(): 1 | 2 {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1
}

/** The cgroup settings for the limits, in the keys of this host's cgroup version. */
export function limitConfig(limits: Limits, version: 1 | 2): string[] {
  const lines: string[] = []
  if (version === 1) {
    if (limits.memory) lines.push(`lxc.cgroup.memory.limit_in_bytes = ${limits.memory}`)
    if (limits.cpus) lines.push('lxc.cgroup.cpu.cfs_period_us = 100000', `lxc.cgroup.cpu.cfs_quota_us = ${Math.round(limits.cpus * 100000)}`)
    if (limits.pids) lines.push(`lxc.cgroup.pids.max = ${limits.pids}`)
  } else {
    if (limits.memory) lines.push(`lxc.cgroup2.memory.max = ${limits.memory}`, 'lxc.cgroup2.memory.swap.max = 0')
    if (limits.cpus) lines.push(`lxc.cgroup2.cpu.max = ${Math.round(limits.cpus * 100000)} 100000`)
    if (limits.pids) lines.push(`lxc.cgroup2.pids.max = ${limits.pids}`)
  }
  return lines
}

/** Every cgroup hierarchy's root on this host (v1 controllers, and the unified one). */
function cgroupRoots(): string[] {
  if (cgroupVersion() === 2) return ['/sys/fs/cgroup']
  return readdirSync('/sys/fs/cgroup', {withFileTypes: true})
    .filter((e) => e.isDirectory() && existsSync(path.join('/sys/fs/cgroup', e.name, 'cgroup.procs')))
    .map((e) => path.join('/sys/fs/cgroup', e.name))
}

/**
 * liblxc leaves its monitor's (and sometimes the payload's) empty cgroups behind on cgroup v1 hosts;
 * a run of hundreds of instances would leave hundreds. Removes those of the named containers that
 * are empty (rmdir refuses a cgroup that still has processes).
 */
export function removeEmptyCgroups(names: string[]): number {
  if (names.length === 0) return 0
  const wanted = new Set(names)
  let removed = 0
  for (const root of cgroupRoots()) {
    for (const entry of readdirSync(root)) {
      const m = /^lxc\.(?:monitor|payload)\.(.+?)(?:-\d+)?$/.exec(entry)
      if (!m || !(wanted.has(m[1]) || wanted.has(entry.replace(/^lxc\.(monitor|payload)\./, '')))) continue
      try {
        rmdirSync(path.join(root, entry))
        removed++
      } catch {
        // Not empty yet, or already gone.
      }
    }
  }
  return removed
}

/**
 * Where this process sits in each cgroup hierarchy: mount point → path. liblxc moves the process
 * that starts a container into that container's monitor cgroup; Galley moves itself back, so the
 * monitor cgroup empties (and can go) when the container stops.
 */
function ownCgroups(): Map<string, string> {
  const paths = new Map<string, string>()
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n')) {
    const [, controllers, p] = line.split(':')
    paths.set(controllers, p)
  }
  const out = new Map<string, string>()
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n')) {
    const [pre, post] = line.split(' - ')
    const [fstype, , options] = post?.split(' ') ?? []
    const mountPoint = pre.split(' ')[4]
    if (fstype === 'cgroup2' && paths.has('')) out.set(mountPoint, paths.get('')!)
    if (fstype !== 'cgroup') continue
    for (const [controllers, p] of paths) {
      if (controllers && controllers.split(',').every((c) => options.split(',').includes(c))) out.set(mountPoint, p)
    }
  }
  return out
}

function returnToCgroups(home: Map<string, string>): void {
  for (const [mountPoint, p] of home) {
    try {
      writeFileSync(path.join(mountPoint, p, 'cgroup.procs'), String(process.pid))
    } catch {
      // A hierarchy we may not write to: then liblxc did not move us there either.
    }
  }
}

function logTail(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'lxc.log'), 'utf8').trim().split('\n').filter((l) => /ERROR|WARN/.test(l)).slice(-6).join('\n')
  } catch {
    return ''
  }
}

async function withContainerAsync<T>(name: string, lxcpath: string, fn: (c: lxc.LxcContainerPtr) => Promise<T>): Promise<T> {
  const c = lxc.lxc_container_new(name, lxcpath)
  if (!c) throw new LxcError(`liblxc could not open container ${name} in ${lxcpath}`)
  try {
    return await fn(c)
  } finally {
    lxc.lxc_container_put(c)
  }
}

/** Reads a pipe's read end without blocking a thread; resolves when the writer side is closed. */
function drain(fd: number, onData?: (chunk: Buffer) => void): Promise<void> {
  const socket = new net.Socket({fd, readable: true, writable: false})
  if (onData) socket.on('data', onData)
  else socket.resume()
  return new Promise((resolve) => {
    socket.on('close', () => resolve())
    socket.on('error', () => resolve())
  })
}

function feed(fd: number, input: Readable | Buffer | string): net.Socket {
  const socket = new net.Socket({fd, readable: false, writable: true})
  // The process may exit without reading all of its input; that is its business.
  socket.on('error', () => {})
  if (input instanceof Readable) {
    input.on('error', () => socket.destroy())
    input.pipe(socket)
  } else socket.end(input)
  return socket
}

/** Drivers whose stopped containers' cgroups are swept once more as the process exits. */
const sweepAtExit = new Set<{sweepCgroups(): void}>()

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
  private readonly home = ownCgroups()
  /** Containers stopped by this process whose empty cgroups could not be removed yet. */
  private readonly stale = new Set<string>()

  constructor(options: LxcDriverOptions = {}) {
    this.lxcpath = options.lxcpath ?? storeDir('lxc')
    this.bridgeName = options.bridge ?? process.env.GALLEY_LXC_BRIDGE ?? 'lxcbr0'
    mkdirSync(this.lxcpath, {recursive: true})
    sweepAtExit.add(this)
    if (sweepAtExit.size === 1) process.once('exit', () => sweepAtExit.forEach((d) => d.sweepCgroups()))
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
    if (isImageRef(spec)) {
      const id = readTags()[spec.ref]
      if (id && hasImage(id)) return {id, driver: this.name}
      throw new LxcError(`no image ${spec.ref} in Galley's LXC store (only images made with galley promote are)`, {
        hint: 'Use image: {bootstrap: busybox} or {bootstrap: debootstrap, ...}, promote an instance under that name, or use --driver docker.',
      })
    }
    const image = await ensureImage(spec, onProgress, signal)
    return {id: image.id, driver: this.name}
  }

  private dir(name: string): string {
    return path.join(this.lxcpath, name)
  }

  async create(options: CreateOptions): Promise<ContainerHandle> {
    const {name} = options
    const dir = this.dir(name)
    const lowers = this.lowersOf(options.snapshot.id)
    const missing = lowers.find((l) => !existsSync(l))
    if (missing) throw new LxcError(`snapshot ${options.snapshot.id} is incomplete: ${missing} is gone`, {hint: 'Remove the step cache and build again: galley cache prune --all, or run with --no-cache.'})
    this.bridge ??= findBridge(this.bridgeName)
    try {
      mkdirSync(dir)
    } catch (error) {
      throw new LxcError(`container ${name} already exists in ${this.lxcpath}`, {cause: error, hint: 'Remove it with: galley destroy'})
    }
    const handle: ContainerHandle = {driver: this.name, name, lxcpath: this.lxcpath}
    try {
      const ip = leaseAddress(this.bridge, dir)
      handle.address = ip
      handle.bridge = this.bridge.name
      mkdirSync(path.join(dir, 'delta0'))
      writeFileSync(path.join(dir, LABELS_NAME), JSON.stringify({labels: options.labels, snapshot: options.snapshot.id, lowers, address: ip, bridge: this.bridge.name}) + '\n')
      writeFileSync(path.join(dir, 'resolv.conf'), `nameserver ${this.bridge.address}\n`)
      const config = [
        'lxc.include = /usr/share/lxc/config/common.conf',
        `lxc.uts.name = ${options.instance.slice(0, 63)}`,
        // Leftmost lower is the top: the newest step layer, down to the base image.
        `lxc.rootfs.path = overlay:${lowers.join(':')}:${path.join(dir, 'delta0')}`,
        'lxc.autodev = 1',
        // As Docker does: Python's multiprocessing (Ansible's workers) needs a /dev/shm.
        'lxc.mount.entry = tmpfs dev/shm tmpfs rw,nosuid,nodev,mode=1777,create=dir 0 0',
        'lxc.mount.auto = cgroup:mixed proc:mixed sys:mixed',
        `lxc.mount.entry = ${path.join(dir, 'resolv.conf')} etc/resolv.conf none bind,create=file 0 0`,
        'lxc.apparmor.profile = unconfined',
        'lxc.net.0.type = veth',
        `lxc.net.0.link = ${this.bridge.name}`,
        'lxc.net.0.flags = up',
        `lxc.net.0.ipv4.address = ${ip}/${this.bridge.prefix}`,
        'lxc.net.0.ipv4.gateway = auto',
        `lxc.log.file = ${path.join(dir, 'lxc.log')}`,
        'lxc.log.level = WARN',
        ...limitConfig(options.limits, cgroupVersion()),
        ...(options.mounts ?? []).flatMap((m, i) => {
          const upper = path.join(dir, `mount${i}`)
          mkdirSync(path.join(upper, 'upper'), {recursive: true})
          mkdirSync(path.join(upper, 'work'))
          return [`lxc.mount.entry = overlay ${m.target.replace(/^\//, '')} overlay lowerdir=${m.source},upperdir=${upper}/upper,workdir=${upper}/work,create=dir 0 0`]
        }),
      ]
      writeFileSync(path.join(dir, CONFIG_NAME), config.join('\n') + '\n')
      const started = await withContainerAsync(name, this.lxcpath, async (c) => {
        lxc.want_daemonize(c, true)
        return lxc.start(c, 0, INIT)
      })
      returnToCgroups(this.home)
      if (!started) {
        throw new LxcError(`container ${name} failed to start` + (logTail(dir) ? `:\n${logTail(dir)}` : ''), {hint: 'Run galley doctor to check the LXC setup.'})
      }
      return handle
    } catch (error) {
      await this.destroy(handle).catch(() => {})
      throw error
    }
  }

  /** The directories a container made from this snapshot stacks, top first. */
  private lowersOf(id: string): string[] {
    if (!id.startsWith(STEP_PREFIX)) return imageLowers(id)
    try {
      return (JSON.parse(readFileSync(path.join(storeDir('layers'), id, 'layer.json'), 'utf8')) as Layer).lowers
    } catch (error) {
      throw new LxcError(`step snapshot ${id} is not in the layer store`, {cause: error, hint: 'Run again with --no-cache, or galley cache prune --all.'})
    }
  }

  async snapshot(handle: ContainerHandle, key: string): Promise<Snapshot> {
    const id = `${STEP_PREFIX}${key}`
    const layers = storeDir('layers')
    const final = path.join(layers, id)
    if (existsSync(path.join(final, 'layer.json'))) return {id, driver: this.name}
    const dir = path.join(String(handle.lxcpath ?? this.lxcpath), handle.name)
    const meta = JSON.parse(readFileSync(path.join(dir, LABELS_NAME), 'utf8')) as {lowers: string[]}
    const tmp = path.join(layers, `.tmp-${id}-${process.pid}`)
    mkdirSync(tmp, {recursive: true})
    try {
      // Frozen, the container cannot change its upper directory while it is copied. cp -a keeps
      // overlay's whiteouts (0/0 character devices) and opaque-directory xattrs.
      await withContainerAsync(handle.name, String(handle.lxcpath ?? this.lxcpath), async (c) => {
        if (!lxc.freeze(c)) throw new LxcError(`could not freeze ${handle.name} to snapshot it`)
        try {
          await run('cp', ['-a', path.join(dir, 'delta0'), path.join(tmp, 'rootfs')])
        } finally {
          lxc.unfreeze(c)
        }
      })
      const layer: Layer = {id, key, lowers: [path.join(final, 'rootfs'), ...meta.lowers], createdAt: new Date().toISOString(), size: diskUsage(path.join(tmp, 'rootfs'))}
      writeFileSync(path.join(tmp, 'layer.json'), JSON.stringify(layer, null, 2) + '\n')
      try {
        renameSync(tmp, final)
      } catch (error) {
        if (!existsSync(path.join(final, 'layer.json'))) throw error
      }
      return {id, driver: this.name}
    } finally {
      await rm(tmp, {recursive: true, force: true})
    }
  }

  /** A layer counts only while everything it stacks is there (a removed base image voids it). */
  async findSnapshot(key: string): Promise<Snapshot | undefined> {
    const id = `${STEP_PREFIX}${key}`
    try {
      const layer = JSON.parse(readFileSync(path.join(storeDir('layers'), id, 'layer.json'), 'utf8')) as Layer
      return layer.lowers.every((l) => existsSync(l)) ? {id, driver: this.name} : undefined
    } catch {
      return undefined
    }
  }

  private layers(): Layer[] {
    const dir = storeDir('layers')
    return readdirSync(dir)
      .filter((n) => n.startsWith(STEP_PREFIX))
      .flatMap((n) => {
        try {
          return [JSON.parse(readFileSync(path.join(dir, n, 'layer.json'), 'utf8')) as Layer]
        } catch {
          return []
        }
      })
  }

  /** Every directory that a container or another layer stacks. */
  private stackedDirs(): Set<string> {
    const used = new Set<string>()
    for (const name of readdirSync(this.lxcpath)) {
      try {
        for (const l of (JSON.parse(readFileSync(path.join(this.lxcpath, name, LABELS_NAME), 'utf8')) as {lowers?: string[]}).lowers ?? []) used.add(l)
      } catch {
        // Not one of Galley's containers.
      }
    }
    for (const layer of this.layers()) for (const l of layer.lowers.slice(1)) used.add(l)
    return used
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    const used = this.stackedDirs()
    return this.layers().map((l) => ({id: l.id, key: l.key, createdAt: l.createdAt, size: l.size, inUse: used.has(l.lowers[0])}))
  }

  async removeSnapshot(id: string): Promise<boolean> {
    const layer = this.layers().find((l) => l.id === id)
    if (!layer || this.stackedDirs().has(layer.lowers[0])) return false
    await rm(path.join(storeDir('layers'), id), {recursive: true, force: true})
    return true
  }

  /**
   * Makes the container a base image in Galley's store named `ref`, so a platform can use `image:
   * ref`. The image keeps the container's layers: hard-linked copies of the directories it stacks
   * (the base image, then each step layer; they never change, so links are safe and cheap) and a
   * copy of its own upper directory taken while it is frozen.
   */
  async promote(handle: ContainerHandle, ref: string, labels: Record<string, string>): Promise<void> {
    const lxcpath = String(handle.lxcpath ?? this.lxcpath)
    const dir = path.join(lxcpath, handle.name)
    const id = 'promoted-' + createHash('sha256').update(ref).update(String(Date.now())).digest('hex').slice(0, 16)
    const tmp = storePath('images', `.tmp-${id}-${process.pid}-${Date.now()}`)
    mkdirSync(path.join(tmp, 'layers'), {recursive: true})
    try {
      const meta = JSON.parse(readFileSync(path.join(dir, LABELS_NAME), 'utf8')) as {lowers: string[]}
      const bottomFirst = [...meta.lowers].reverse()
      const layers = [...bottomFirst, 'top'].map((_l, i) => `layers/${i}`)
      for (const [i, lower] of bottomFirst.entries()) await run('cp', ['-al', lower, path.join(tmp, layers[i])])
      const top = path.join(tmp, layers.at(-1)!)
      await withContainerAsync(handle.name, lxcpath, async (c) => {
        if (lxc.init_pid(c) <= 0) throw new LxcError(`${handle.name} is not running; it cannot be promoted`, {hint: 'Run galley verify on it, then promote.'})
        if (!lxc.freeze(c)) throw new LxcError(`could not freeze ${handle.name} to promote it`)
        try {
          await run('cp', ['-a', path.join(dir, 'delta0'), top])
        } finally {
          lxc.unfreeze(c)
        }
      })
      // The bind-mounted resolv.conf and the project's mount point are the host's ways in, not part of the image.
      await rm(path.join(top, 'etc', 'resolv.conf'), {force: true})
      rmdirQuietly(path.join(top, 'tmp', 'galley'))
      const record: ImageRecord = {id, spec: {promoted: ref}, labels, createdAt: new Date().toISOString(), size: diskUsage(path.join(tmp, 'layers')), layers}
      writeFileSync(path.join(tmp, 'image.json'), JSON.stringify(record, null, 2) + '\n')
      renameSync(tmp, imageDir(id))
      const previous = readTags()[ref]
      writeTag(ref, id)
      // The image the name pointed to before goes, unless another name or a container still uses it.
      if (previous && previous !== id && !Object.values(readTags()).includes(previous) && hasImage(previous)) {
        const used = this.stackedDirs()
        if (!imageLowers(previous).some((l) => used.has(l))) await removeImage(previous)
      }
    } finally {
      await rm(tmp, {recursive: true, force: true})
    }
  }

  /**
   * Writes the image as an OCI layout in `staging`: one layer per overlay layer, bottom first, with
   * overlay's whiteouts and opaque directories turned into image-layer whiteouts.
   */
  private async layout(ref: string, staging: string) {
    const id = readTags()[ref]
    if (!id || !hasImage(id)) throw new LxcError(`no image ${ref} in Galley's LXC store`, {hint: 'Promote an instance under that name first (galley image ls lists the store).'})
    const record = readImage(id)
    const layers = [...imageLowers(id)].reverse()
    const staged: string[] = []
    for (const [i, layer] of layers.entries()) {
      const dest = path.join(imageDir(id), `.stage-${process.pid}-${i}`)
      await rm(dest, {recursive: true, force: true})
      await stageLayer(layer, dest, (d) => lxc.lgetxattr(d, 'trusted.overlay.opaque') === 'y')
      staged.push(dest)
    }
    try {
      const history = layers.map((_l, i) => (i === 0 ? `galley base ${record.layers ? 'image' : 'rootfs'}` : i === layers.length - 1 ? `galley promote ${ref}` : 'galley step'))
      return await writeLayout({dir: staging, ref, config: imageConfig(record.labels ?? {}, history), layers: staged.map((d) => () => packDirectory(d))})
    } finally {
      for (const d of staged) await rm(d, {recursive: true, force: true})
    }
  }

  async saveImage(ref: string, format: ArchiveFormat, file: string): Promise<void> {
    const staging = mkdtempSync(path.join(tmpdir(), 'galley-image-'))
    try {
      await archiveLayout(await this.layout(ref, staging), format, file)
    } finally {
      await rm(staging, {recursive: true, force: true})
    }
  }

  async pushImage(ref: string, onProgress?: (line: string) => void): Promise<void> {
    const staging = mkdtempSync(path.join(tmpdir(), 'galley-image-'))
    try {
      await pushLayout(await this.layout(ref, staging), ref, onProgress)
    } finally {
      await rm(staging, {recursive: true, force: true})
    }
  }

  async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    const env = {PATH, HOME: '/root', LANG: 'C.UTF-8', ...options.env}
    const [outR, outW] = lxc.pipe2()
    const [errR, errW] = lxc.pipe2()
    let inR: number
    let inW: number | undefined
    if (options.stdin !== undefined) [inR, inW] = lxc.pipe2()
    else inR = openSync('/dev/null', 'r')
    const out = drain(outR, options.onStdout)
    const err = drain(errR, options.onStderr)
    if (inW !== undefined) feed(inW, options.stdin!)
    let status: number
    try {
      status = await withContainerAsync(handle.name, String(handle.lxcpath), (c) =>
        lxc.attach_run_wait(
          c,
          {
            attach_flags: lxc.LXC_ATTACH_DEFAULT,
            namespaces: -1,
            personality: lxc.LXC_ATTACH_DETECT_PERSONALITY,
            initial_cwd: options.cwd ?? '/',
            uid: 0,
            gid: 0,
            env_policy: lxc.LXC_ATTACH_CLEAR_ENV,
            extra_env_vars: [...Object.entries(env).map(([k, v]) => `${k}=${v}`), null],
            extra_keep_env: null,
            stdin_fd: inR,
            stdout_fd: outW,
            stderr_fd: errW,
            log_fd: -9,
            lsm_label: null,
            groups: {size: 0, list: null},
          },
          argv[0],
          argv,
        ),
      )
    } finally {
      // The attached process holds its own copies; ours must close for the readers to see EOF.
      lxc.close(outW)
      lxc.close(errW)
      if (inW !== undefined) lxc.close(inR)
      else closeSync(inR)
    }
    await Promise.all([out, err])
    if (status < 0) throw new LxcError(`could not run ${argv[0]} in ${handle.name}: the container is not running`, {hint: 'Start afresh: galley destroy, then run the command again.'})
    // A wait status: exit code in the high byte, or the signal that killed it.
    return status & 0x7f ? 128 + (status & 0x7f) : (status >> 8) & 0xff
  }

  interactive(handle: ContainerHandle, argv: string[]): Promise<number> {
    // lxc-attach allocates a pseudo-terminal and forwards resizes, which a login shell wants.
    const args = ['-P', String(handle.lxcpath), '-n', handle.name, '--clear-env', '-v', `PATH=${PATH}`, '-v', 'HOME=/root', '-v', `TERM=${process.env.TERM ?? 'xterm'}`, '--', ...argv]
    return new Promise((resolve, reject) => {
      const child = spawn('lxc-attach', args, {stdio: 'inherit'})
      child.on('error', (error) => reject(new LxcError('lxc-attach could not be run', {cause: error, hint: 'Install the lxc package.'})))
      child.on('close', (code) => resolve(code ?? 1))
    })
  }

  async copyIn(handle: ContainerHandle, tar: Readable, dest: string): Promise<void> {
    const stderr: Buffer[] = []
    const code = await this.exec(handle, ['/bin/sh', '-c', 'mkdir -p "$1" && exec tar -xf - -C "$1"', 'sh', dest], {stdin: tar, onStderr: (b) => stderr.push(b)})
    if (code !== 0) throw new LxcError(`copying files into ${handle.name}:${dest} failed (tar exited ${code}): ${Buffer.concat(stderr).toString().trim()}`)
  }

  async copyOut(handle: ContainerHandle, file: string): Promise<Readable> {
    const out = new PassThrough()
    const stderr: Buffer[] = []
    this.exec(handle, ['/bin/sh', '-c', 'cd "$(dirname "$1")" && exec tar -cf - "$(basename "$1")"', 'sh', file], {onStdout: (b) => out.write(b), onStderr: (b) => stderr.push(b)}).then(
      (code) => (code === 0 ? out.end() : out.destroy(new LxcError(`copying ${handle.name}:${file} out failed: ${Buffer.concat(stderr).toString().trim()}`))),
      (error) => out.destroy(error),
    )
    return out
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    const lxcpath = String(handle.lxcpath ?? this.lxcpath)
    const dir = path.join(lxcpath, handle.name)
    if (!existsSync(dir)) return
    if (existsSync(path.join(dir, CONFIG_NAME))) {
      await withContainerAsync(handle.name, lxcpath, async (c) => {
        if (lxc.is_running(c) && !(await lxc.stop(c))) {
          throw new LxcError(`container ${handle.name} could not be stopped: ${lxc.error_string(c) ?? logTail(dir)}`)
        }
      })
    }
    let meta: {address?: string; bridge?: string} = {}
    try {
      meta = JSON.parse(readFileSync(path.join(dir, LABELS_NAME), 'utf8'))
    } catch {
      // Never got that far.
    }
    await rm(dir, {recursive: true, force: true})
    if (meta.address && meta.bridge) releaseAddress({name: meta.bridge, address: '', prefix: 24}, meta.address, dir)
    // The monitor may take a moment to exit; what stays is removed at the next chance or at exit.
    this.stale.add(handle.name)
    this.sweepCgroups()
  }

  /** Removes the empty cgroups of containers this process stopped. */
  sweepCgroups(): void {
    if (this.stale.size === 0) return
    removeEmptyCgroups([...this.stale])
    for (const name of this.stale) if (!cgroupRoots().some((r) => existsSync(path.join(r, `lxc.monitor.${name}`)))) this.stale.delete(name)
  }

  async list(labels: Record<string, string>): Promise<ContainerHandle[]> {
    const out: ContainerHandle[] = []
    for (const name of readdirSync(this.lxcpath)) {
      try {
        const meta = JSON.parse(readFileSync(path.join(this.lxcpath, name, LABELS_NAME), 'utf8')) as {labels: Record<string, string>; address?: string}
        if (!Object.entries(labels).every(([k, v]) => meta.labels?.[k] === v)) continue
        const c = lxc.lxc_container_new(name, this.lxcpath)
        const running = c ? lxc.is_running(c) : false
        if (c) lxc.lxc_container_put(c)
        out.push({driver: this.name, name, lxcpath: this.lxcpath, address: meta.address, instance: meta.labels?.['galley.instance'], running, run: meta.labels?.['galley.run'], root: meta.labels?.['galley.root']})
      } catch {
        // Not one of Galley's, or half-made: `galley destroy` handles those by name.
      }
    }
    return out
  }

  /**
   * Half-made things of processes that are gone: layer and image copies (`.tmp-<id>-<pid>…`), archive
   * staging folders (`.stage-<pid>-…`), and container folders that never got their labels.
   */
  async removeDebris(): Promise<string[]> {
    const removed: string[] = []
    const dead = (pid: string) => !processAlive({pid: Number(pid), started: 0})
    const sweep = async (dir: string, pattern: RegExp) => {
      for (const name of readdirSync(dir)) {
        const m = pattern.exec(name)
        if (!m || !dead(m[1])) continue
        await rm(path.join(dir, name), {recursive: true, force: true})
        removed.push(path.join(dir, name))
      }
    }
    await sweep(storeDir('layers'), /^\.tmp-.+-(\d+)$/)
    await sweep(storeDir('images'), /^\.tmp-.+-(\d+)-\d+$/)
    for (const image of readdirSync(storeDir('images'))) {
      if (!image.startsWith('.') && existsSync(path.join(imageDir(image), 'image.json'))) await sweep(imageDir(image), /^\.stage-(\d+)-\d+$/)
    }
    for (const name of readdirSync(this.lxcpath)) {
      const dir = this.dir(name)
      if (existsSync(path.join(dir, LABELS_NAME)) || Date.now() - statSync(dir).mtimeMs < 60_000) continue
      const c = lxc.lxc_container_new(name, this.lxcpath)
      const running = c ? lxc.is_running(c) : false
      if (c) lxc.lxc_container_put(c)
      if (running) continue
      await rm(dir, {recursive: true, force: true})
      removed.push(dir)
    }
    return removed
  }
}
