/**
 * The Docker driver: the Docker Engine API through dockerode (engine.ts), and Podman's compatible
 * socket through the same calls. Base images built from bootstrap specs are imported into the
 * engine as `galley-base:<id>`; engine image references are used as they are. PID 1 is the
 * engine's init with a keep-alive loop, or the image's systemd (systemd.ts says how).
 */
import {spawn} from 'node:child_process'
import type Docker from 'dockerode'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {PassThrough, Readable} from 'node:stream'
import {isImageRef, type ImageSpec} from '../../src/config/types.js'
import {archiveLayout, layoutFromDockerArchive, type ArchiveFormat} from '../../src/images/archive.js'
import {ensureImage} from '../../src/images/build.js'
import {InterruptedError} from '../../src/errors.js'
import {writeStreamAtomic} from '../../src/files.js'
import {dockerCredentials, parseRegistryRef} from '../../src/images/registry.js'
import {imageRootfs} from '../../src/images/store.js'
import {packDirectory} from '../../src/images/tar.js'
import type {ContainerHandle, CreateOptions, DoctorCheck, Driver, ExecOptions, ImageProgress, LimitCounters, Snapshot, SnapshotInfo} from '../driver.js'
import {describeDegraded, SYSTEMD_PATHS, SystemdBootError, waitForBoot} from '../systemd.js'
import {DockerError, Engine, NoSuchContainer} from './engine.js'
import {Commands, PATH} from './exec.js'
import {parseAddress, type Endpoint} from './endpoint.js'
import {MOUNT_SET, MountSets, retiredName} from './mounts.js'
import {sshArgs} from './ssh.js'
import {bootHint, systemdBody, type EngineKind} from './systemd.js'

// The engine's init (docker-init, or Podman's catatonit) is PID 1 and reaps; this loop keeps the
// container up and exits on SIGTERM.
const KEEPALIVE = ['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 2147483 & wait $!; done']
// Fully qualified, so Podman does not look for it on a registry (it would resolve a short name to one).
const BASE_REPO = 'localhost/galley-base'
/** Step snapshots: committed images, labelled with their cache key. */
const STEP_REPO = 'localhost/galley-step'
const STEP_LABEL = 'galley.step'
/** Label of a container whose PID 1 is systemd. */
const INIT_LABEL = 'galley.init'
/** How long systemd may take to shut down before the container is killed. */
const SHUTDOWN_TIMEOUT_S = 3

/**
 * This process's open-files and process limits, for the container. Podman as root asks the runtime
 * for 1048576 open files and 4194304 processes, which a host with lower hard limits refuses ("error
 * setting rlimit type 7", then 6); asking for what Galley itself may have always works, on Docker too.
 */
function hostUlimits(): {Name: string; Soft: number; Hard: number}[] {
  const limits = readFileSync('/proc/self/limits', 'utf8').split('\n')
  const hard = (label: string) => Number(limits.find((l) => l.startsWith(label))?.split(/\s{2,}/)[2])
  return [
    ['nofile', hard('Max open files')],
    // Above the kernel's pid_max a process limit means nothing, and this sandbox refuses it.
    ['nproc', Math.min(hard('Max processes'), Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')))],
  ]
    .filter(([, n]) => Number.isFinite(n) && (n as number) > 0)
    .map(([Name, n]) => ({Name: Name as string, Soft: n as number, Hard: n as number}))
}

export interface DockerDriverOptions {
  /** The engine's address (endpoint.ts); none: DOCKER_HOST, the Docker context, the default socket. */
  socket?: string
  /** Its name in reports and messages (a pool entry's name). */
  label?: string
}

export class DockerDriver implements Driver {
  readonly name = 'docker'
  readonly engine: Engine
  /** Overlay volumes need the engine on this machine; a remote engine gets files copied in. */
  readonly mountsHostFolders: boolean
  private readonly imports = new Map<string, Promise<void>>()
  private readonly commands: Commands
  private readonly mountSets: MountSets
  private engineKind?: Promise<EngineKind>

  constructor(options: DockerDriverOptions = {}) {
    this.engine = new Engine(options.socket, options.label)
    this.mountsHostFolders = this.engine.endpoint.kind === 'unix'
    this.commands = new Commands(this.engine, this.mountsHostFolders)
    this.mountSets = new MountSets(this.engine)
  }

  get location(): string {
    return this.engine.label
  }

  async doctor(): Promise<DoctorCheck[]> {
    try {
      const info = await this.engine.info()
      return [{name: 'engine', ok: true, detail: `${info.podman ? 'Podman' : 'Docker'} ${info.version} (API ${info.apiVersion}) ${this.engine.where}`}]
    } catch (error) {
      return [{name: 'engine', ok: false, detail: (error as Error).message, fix: (error as DockerError).hint ?? 'Start dockerd (or podman system service) and check DOCKER_HOST.'}]
    }
  }

  async ensureImage(spec: ImageSpec, onProgress?: ImageProgress, signal?: AbortSignal): Promise<Snapshot> {
    if (isImageRef(spec)) {
      if (!(await this.engine.hasImage(spec.ref))) {
        onProgress?.(`pulling ${spec.ref}`)
        try {
          await this.engine.pullImage(spec.ref)
        } catch (error) {
          throw new DockerError(`image ${spec.ref} is not in the engine and could not be pulled`, {
            cause: error,
            hint: 'Load it into the engine first (docker load), or use image: {bootstrap: ...} to build one locally.',
          })
        }
      }
      return {id: spec.ref, driver: this.name}
    }
    const image = await ensureImage(spec, onProgress, signal)
    const ref = `${BASE_REPO}:${image.id}`
    let pending = this.imports.get(ref)
    if (!pending) {
      pending = (async () => {
        if (await this.engine.hasImage(ref)) return
        onProgress?.(`importing ${image.id} into the engine`)
        await this.engine.importImage(packDirectory(imageRootfs(image.id)), ref)
      })().finally(() => this.imports.delete(ref))
      this.imports.set(ref, pending)
    }
    await pending
    return {id: ref, driver: this.name}
  }

  /** The engine's kind (Docker or Podman) and its host's cgroup version, asked once. */
  private kind(): Promise<EngineKind> {
    return (this.engineKind ??= this.engine.info().then(({podman, cgroupVersion}) => ({podman, cgroupVersion})))
  }

  async create(options: CreateOptions): Promise<ContainerHandle> {
    const {limits} = options
    const engine = options.init === 'systemd' ? await this.kind() : undefined
    const systemd = engine ? systemdBody(engine) : undefined
    const {set, mounts} = await this.mountSets.make(options.name, options.mounts ?? [])
    const container = await this.engine.createContainer({
      name: options.name,
      Image: options.snapshot.id,
      Hostname: options.instance.slice(0, 63),
      Labels: {...options.labels, ...(systemd ? {[INIT_LABEL]: 'systemd'} : {}), ...(set ? {[MOUNT_SET]: set} : {})},
      Env: [`PATH=${PATH}`, ...(systemd?.Env ?? [])],
      Cmd: systemd?.Cmd ?? KEEPALIVE,
      Entrypoint: [],
      ...(systemd ? {StopSignal: systemd.StopSignal} : {}),
      HostConfig: {
        Init: true,
        ...systemd?.HostConfig,
        ...(options.privileged ? {Privileged: true} : {}),
        // NET_RAW: Docker grants it by default and Podman does not; instances behave the same on both
        // (ping). SYS_PTRACE: init scripts find their daemon with start-stop-daemon --exec, which reads
        // /proc/<pid>/exe, and for a daemon running as another user (memcached, redis) that takes
        // ptrace access. Without it `stop` finds nothing, `status` says stopped and a second start
        // fails on the port: services would not survive a converge. LXC instances have it too.
        CapAdd: ['NET_RAW', 'SYS_PTRACE'],
        Mounts: mounts,
        Ulimits: hostUlimits(),
        ...(limits.memory ? {Memory: limits.memory, MemorySwap: limits.memory} : {}),
        ...(limits.cpus ? {NanoCpus: Math.round(limits.cpus * 1e9)} : {}),
        ...(limits.pids ? {PidsLimit: limits.pids} : {}),
      },
    }).catch(async (error) => {
      if (set) await this.mountSets.remove(options.name, set).catch(() => {})
      throw error
    })
    const handle: ContainerHandle = {driver: this.name, name: options.name, id: container.id, socket: this.engine.socket, ...(systemd ? {init: 'systemd' as const} : {}), ...(set ? {mounts: set} : {})}
    try {
      if (engine) await this.checkSystemd(container, options.snapshot.id)
      await this.engine.start(container)
      if (engine) await this.boot(handle, container, engine, options)
    } catch (error) {
      await this.destroy(handle).catch(() => {})
      throw error
    }
    return handle
  }

  /** Fails before the start when the image holds no systemd to boot. */
  private async checkSystemd(container: Docker.Container, image: string): Promise<void> {
    const missing: string[] = []
    for (const file of SYSTEMD_PATHS) if (!(await this.engine.hasPath(container, file))) missing.push(file)
    if (missing.length === 0) return
    throw new SystemdBootError(`image ${image} has no systemd (${missing.join(' and ')} not found), so init: systemd cannot boot it`, {
      hint: 'Use an image with systemd installed, or a Debian platform (image: {bootstrap: debootstrap}), which gets systemd with init: systemd; or set init: none.',
    })
  }

  /** Waits for systemd to finish booting; a failed boot says what its console said. */
  private async boot(handle: ContainerHandle, container: Docker.Container, engine: EngineKind, options: CreateOptions): Promise<void> {
    try {
      const report = await waitForBoot((argv, onStdout) => this.exec(handle, argv, {onStdout}), handle.name, options.signal)
      if (report.state === 'degraded') options.onNote?.(describeDegraded(report))
    } catch (error) {
      if (error instanceof InterruptedError) throw error
      const tail = (await this.engine.logTail(container, 15).catch(() => '')).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim()
      const state = await this.engine.state(container).catch(() => undefined)
      const exited = state && !state.running ? `: its PID 1 exited with ${state.exitCode}` : ''
      throw new SystemdBootError(`systemd did not boot in ${handle.name}${exited}` + (tail ? `; its console ended with:\n${tail}` : ''), {cause: error, hint: bootHint(engine, options.privileged ?? false)})
    }
  }

  exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    return this.commands.run(handle, argv, options)
  }

  limitsHit(handle: ContainerHandle): Promise<LimitCounters | undefined> {
    return this.commands.limitsHit(handle)
  }

  interactive(handle: ContainerHandle, argv: string[]): Promise<number> {
    const [command, ...args] = interactiveCommand(handle.socket ? parseAddress(String(handle.socket)) : this.engine.endpoint, ['exec', '-it', '-e', `TERM=${process.env.TERM ?? 'xterm'}`, handle.name, ...argv])
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {stdio: 'inherit'})
      child.on('error', (error) => reject(new DockerError('the docker command is needed for an interactive shell', {cause: error, hint: 'Install the docker client (docker.io) or use galley exec.'})))
      child.on('close', (code) => resolve(code ?? 1))
    })
  }

  async snapshot(handle: ContainerHandle, key: string): Promise<Snapshot> {
    const ref = `${STEP_REPO}:${key}`
    if (!(await this.engine.hasImage(ref))) {
      // Not paused without systemd: the lifecycle snapshots a step only when it left no process
      // running beside init, so nothing can change the files while they are committed. Under
      // systemd, units (journald, an enabled service the step started) keep writing.
      await this.engine.commit(this.engine.container(handle.name), STEP_REPO, key, {[STEP_LABEL]: key}, {pause: handle.init === 'systemd'})
    }
    return {id: ref, driver: this.name}
  }

  async findSnapshot(key: string): Promise<Snapshot | undefined> {
    const ref = `${STEP_REPO}:${key}`
    return (await this.engine.hasImage(ref)) ? {id: ref, driver: this.name} : undefined
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    // Images committed from containers made from a step (promoted ones) inherit its label: a step
    // snapshot is the image that also carries the step's own name.
    const images = (await this.engine.listImages(STEP_LABEL)).filter((img) => (img.RepoTags ?? []).some((t) => t === `${STEP_REPO}:${img.Labels?.[STEP_LABEL]}` || t === `${STEP_REPO.replace(/^localhost\//, '')}:${img.Labels?.[STEP_LABEL]}`))
    return Promise.all(
      images.map(async (img) => {
        const key = img.Labels?.[STEP_LABEL] ?? ''
        const id = `${STEP_REPO}:${key}`
        return {id, key, createdAt: new Date(img.Created * 1000).toISOString(), size: img.Size, inUse: await this.engine.imageInUse(id)}
      }),
    )
  }

  async removeSnapshot(id: string): Promise<boolean> {
    return this.engine.removeImage(id)
  }

  async promote(handle: ContainerHandle, ref: string, labels: Record<string, string>): Promise<void> {
    const at = ref.lastIndexOf(':')
    const [repo, tag] = at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest']
    if (handle.init !== 'systemd') return this.engine.commit(this.engine.container(handle.name), repo, tag, labels)
    // The machine id systemd wrote into /etc is the instance's: the image gets none, so each
    // container made from it has its own. Blanked for the commit only. The image boots plain
    // /sbin/init, without the masks Galley's instances boot with.
    await this.exec(handle, ['/bin/sh', '-c', '[ -s /etc/machine-id ] && cp /etc/machine-id /run/galley-machine-id && : > /etc/machine-id'])
    try {
      await this.engine.commit(this.engine.container(handle.name), repo, tag, labels, {changes: ['CMD ["/sbin/init"]']})
    } finally {
      await this.exec(handle, ['/bin/sh', '-c', '[ -e /run/galley-machine-id ] && cat /run/galley-machine-id > /etc/machine-id && rm /run/galley-machine-id'])
    }
  }

  async saveImage(ref: string, format: ArchiveFormat, file: string): Promise<void> {
    const stream = await this.engine.saveImage(ref)
    if (format === 'oci-archive') {
      // The engine exports a docker-archive; its layers and config go into an OCI layout unchanged.
      const staging = mkdtempSync(path.join(tmpdir(), 'galley-image-'))
      try {
        await archiveLayout(await layoutFromDockerArchive(stream, staging, ref), format, file)
      } finally {
        await rm(staging, {recursive: true, force: true})
      }
      return
    }
    await writeStreamAtomic(stream, file)
  }

  async pushImage(ref: string): Promise<void> {
    const target = parseRegistryRef(ref)
    await this.engine.pushImage(ref, dockerCredentials(target.host))
  }

  async copyIn(handle: ContainerHandle, tar: Readable, dest: string): Promise<void> {
    // The archive endpoint needs the destination to exist.
    const code = await this.exec(handle, ['mkdir', '-p', dest])
    if (code !== 0) throw new DockerError(`could not create ${dest} in ${handle.name} (mkdir exited ${code})`)
    await this.engine.putArchive(this.engine.container(handle.name), tar, dest)
  }

  async copyOut(handle: ContainerHandle, path: string): Promise<Readable> {
    const out = new PassThrough()
    const stream = await this.engine.getArchive(this.engine.container(handle.name), path)
    stream.on('error', (error) => out.destroy(error))
    stream.pipe(out)
    return out
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    const container = this.engine.container(handle.name)
    // systemd's own shutdown stops the units; the engine kills what is left after a few seconds.
    if (handle.init === 'systemd') await this.engine.stop(container, SHUTDOWN_TIMEOUT_S)
    await this.engine.remove(container)
    await this.mountSets.remove(handle.name, typeof handle.mounts === 'string' ? handle.mounts : undefined)
  }

  /**
   * Renames the container aside and removes it in the background: the step cache's restore makes
   * the next container of that name meanwhile, instead of waiting for the removal (a systemd
   * instance's shutdown included). A container from before mount sets is destroyed the plain way.
   */
  async retire(handle: ContainerHandle): Promise<{removed: Promise<void>} | undefined> {
    const set = typeof handle.mounts === 'string' ? handle.mounts : undefined
    // Without a set: a container with no mounts, or one from before mount sets, whose volumes are
    // named for its name alone (a remote engine's containers never have any).
    if (set === undefined && this.mountsHostFolders && !(await this.mountSets.none(handle.name))) return undefined
    const aside = retiredName(handle.name)
    try {
      await this.engine.rename(this.engine.container(handle.name), aside)
    } catch (error) {
      // Gone already: nothing to remove. An engine that cannot rename destroys it the plain way.
      return error instanceof NoSuchContainer ? {removed: Promise.resolve()} : undefined
    }
    const removed = this.destroy({...handle, name: aside})
    // Awaited by the caller later; never an unhandled rejection meanwhile.
    removed.catch(() => {})
    return {removed}
  }

  async list(labels: Record<string, string>): Promise<ContainerHandle[]> {
    return (await this.engine.list(labels)).map((c) => ({
      driver: this.name,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      id: c.Id,
      socket: this.engine.socket,
      instance: c.Labels?.['galley.instance'],
      running: c.State === 'running',
      run: c.Labels?.['galley.run'],
      root: c.Labels?.['galley.root'],
      ...(c.Labels?.[INIT_LABEL] === 'systemd' ? {init: 'systemd' as const} : {}),
      ...(c.Labels?.[MOUNT_SET] ? {mounts: c.Labels[MOUNT_SET]} : {}),
    }))
  }

  /** Galley's own images on this engine: imported base images and step snapshots. */
  async galleyImages(): Promise<string[]> {
    return this.engine.imagesIn([BASE_REPO, STEP_REPO, BASE_REPO.replace(/^localhost\//, ''), STEP_REPO.replace(/^localhost\//, '')])
  }

  /** Writes images to a docker-archive file (written beside it and renamed). */
  async saveImages(refs: string[], file: string): Promise<void> {
    await writeStreamAtomic(await this.engine.saveImages(refs), file)
  }

  async loadImages(file: string): Promise<void> {
    await this.engine.loadImages(file)
  }

  /** Images as one docker-archive stream, for another engine of a pool to load. */
  async exportImages(ids: string[]): Promise<Readable> {
    // An HTTP response: a Readable already.
    return (await this.engine.saveImages(ids)) as Readable
  }

  async importImages(tar: Readable): Promise<void> {
    await this.engine.loadImages(tar)
  }

  async imageSize(id: string): Promise<number | undefined> {
    return this.engine.imageSize(id)
  }

  /** Mount volumes and folders whose container is gone (a run killed between making them and it). */
  async removeDebris(): Promise<string[]> {
    return this.mountSets.removeDebris((await this.list({})).map((c) => c.name))
  }
}

/**
 * The command that runs `docker ARGS` against an endpoint on this terminal: the docker command
 * with the address and TLS files, or, over SSH, the docker command on the far side.
 */
function interactiveCommand(e: Endpoint, args: string[]): string[] {
  if (e.kind === 'ssh') return ['ssh', ...sshArgs(e, {tty: true}), 'docker', ...args]
  if (e.kind === 'unix') return ['docker', '--host', `unix://${e.path}`, ...args]
  const tls = e.tls
    ? [e.tls.verify ? '--tlsverify' : '--tls', ...(e.tls.ca ? ['--tlscacert', e.tls.ca] : []), ...(e.tls.cert ? ['--tlscert', e.tls.cert] : []), ...(e.tls.key ? ['--tlskey', e.tls.key] : [])]
    : []
  return ['docker', '--host', `tcp://${e.host}:${e.port}`, ...tls, ...args]
}
