/**
 * The Docker driver: the Docker Engine API through dockerode (engine.ts), and Podman's compatible
 * socket through the same calls. Base images built from bootstrap specs are imported into the
 * engine as `galley-base:<id>`; engine image references are used as they are.
 */
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {PassThrough, Readable, Writable} from 'node:stream'
import {isImageRef, type ImageSpec} from '../../src/config/types.js'
import {archiveLayout, layoutFromDockerArchive, type ArchiveFormat} from '../../src/images/archive.js'
import {ensureImage} from '../../src/images/build.js'
import {writeStreamAtomic} from '../../src/files.js'
import {dockerCredentials, parseRegistryRef} from '../../src/images/registry.js'
import {imageRootfs, storeDir} from '../../src/images/store.js'
import {packDirectory} from '../../src/images/tar.js'
import type {ContainerHandle, CreateOptions, DoctorCheck, Driver, ExecOptions, ImageProgress, Snapshot, SnapshotInfo} from '../driver.js'
import {DockerError, Engine} from './engine.js'

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
// The engine's init (docker-init, or Podman's catatonit) is PID 1 and reaps; this loop keeps the
// container up and exits on SIGTERM.
const KEEPALIVE = ['/bin/sh', '-c', 'trap "exit 0" TERM; while :; do sleep 2147483 & wait $!; done']
// Fully qualified, so Podman does not look for it on a registry (it would resolve a short name to one).
const BASE_REPO = 'localhost/galley-base'
/** Step snapshots: committed images, labelled with their cache key. */
const STEP_REPO = 'localhost/galley-step'
const STEP_LABEL = 'galley.step'
/** Debris younger than this may belong to a container being made right now. */
const DEBRIS_AGE_MS = 60_000
/** Label naming the container a volume was made for. */
const VOLUME_OWNER = 'galley.container'

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
  socket?: string
}

function sink(onData?: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      onData?.(chunk)
      done()
    },
  })
}

export class DockerDriver implements Driver {
  readonly name = 'docker'
  readonly engine: Engine
  /** Overlay volumes need the engine on this machine; a remote engine gets files copied in. */
  readonly mountsHostFolders: boolean
  private readonly imports = new Map<string, Promise<void>>()

  constructor(options: DockerDriverOptions = {}) {
    this.engine = new Engine(options.socket)
    this.mountsHostFolders = this.engine.socket.startsWith('/')
  }

  async doctor(): Promise<DoctorCheck[]> {
    try {
      const info = await this.engine.info()
      return [{name: 'engine', ok: true, detail: `${info.podman ? 'Podman' : 'Docker'} ${info.version} (API ${info.apiVersion}) at ${this.engine.socket}`}]
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

  async create(options: CreateOptions): Promise<ContainerHandle> {
    const {limits} = options
    // Folders appear through an overlay mount (the host folder as the lower layer) made by a named
    // volume of the engine's local driver, so writes inside stay in Galley's store, not in the host
    // folder. (Podman ignores driver options on anonymous volumes, hence named ones.)
    const mounts = []
    for (const [i, m] of (options.mounts ?? []).entries()) {
      const dir = path.join(this.mountsDir(), options.name, `mount${i}`)
      mkdirSync(path.join(dir, 'upper'), {recursive: true})
      mkdirSync(path.join(dir, 'work'), {recursive: true})
      const volume = `${options.name}-mount${i}`
      await this.engine.createVolume(volume, {type: 'overlay', device: 'overlay', o: `lowerdir=${m.source},upperdir=${dir}/upper,workdir=${dir}/work`}, {[VOLUME_OWNER]: options.name})
      mounts.push({Type: 'volume' as const, Source: volume, Target: m.target})
    }
    const container = await this.engine.createContainer({
      name: options.name,
      Image: options.snapshot.id,
      Hostname: options.instance.slice(0, 63),
      Labels: options.labels,
      Env: [`PATH=${PATH}`],
      Cmd: KEEPALIVE,
      Entrypoint: [],
      HostConfig: {
        Init: true,
        // Docker grants it by default and Podman does not; instances behave the same on both (ping).
        CapAdd: ['NET_RAW'],
        Mounts: mounts,
        Ulimits: hostUlimits(),
        ...(limits.memory ? {Memory: limits.memory, MemorySwap: limits.memory} : {}),
        ...(limits.cpus ? {NanoCpus: Math.round(limits.cpus * 1e9)} : {}),
        ...(limits.pids ? {PidsLimit: limits.pids} : {}),
      },
    }).catch(async (error) => {
      await this.engine.removeVolumes({[VOLUME_OWNER]: options.name}).catch(() => {})
      throw error
    })
    const handle: ContainerHandle = {driver: this.name, name: options.name, id: container.id, socket: this.engine.socket}
    try {
      await this.engine.start(container)
    } catch (error) {
      await this.destroy(handle).catch(() => {})
      throw error
    }
    return handle
  }

  async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    const env = {PATH, HOME: '/root', LANG: 'C.UTF-8', ...options.env}
    const hasStdin = options.stdin !== undefined
    const container = this.engine.container(handle.name)
    const exec = await this.engine.exec(container, {
      Cmd: argv,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: options.cwd ?? '/',
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: hasStdin,
      Tty: false,
    })
    const stream = await this.engine.startExec(exec, hasStdin)
    // Kept for telling "not found" apart: runc writes its failure to start the program to a stream.
    const errText: Buffer[] = []
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', reject)
    })
    const keep = (b: Buffer) => void (errText.length < 8 && errText.push(b))
    this.engine.demux(stream, sink((b) => (keep(b), options.onStdout?.(b))), sink((b) => (keep(b), options.onStderr?.(b))))
    if (hasStdin) {
      const input = options.stdin!
      const source = input instanceof Readable ? input : Readable.from([Buffer.from(input)])
      // Half-close after the input, so the process sees end of file and the output keeps coming.
      source.on('end', () => (stream as unknown as {end(): void}).end())
      source.pipe(stream as unknown as Writable, {end: false})
    }
    await ended
    const info = await this.engine.inspectExec(exec)
    const code = info.ExitCode ?? 1
    // runc reports a program it cannot find as 126 with a message; a shell says 127 for that.
    if (code === 126 && /not found|no such file/i.test(Buffer.concat(errText).toString())) return 127
    return code
  }

  interactive(handle: ContainerHandle, argv: string[]): Promise<number> {
    const env = {...process.env, ...(handle.socket ? {DOCKER_HOST: String(handle.socket).startsWith('/') ? `unix://${handle.socket}` : String(handle.socket)} : {})}
    return new Promise((resolve, reject) => {
      const child = spawn('docker', ['exec', '-it', '-e', `TERM=${process.env.TERM ?? 'xterm'}`, handle.name, ...argv], {stdio: 'inherit', env})
      child.on('error', (error) => reject(new DockerError('the docker command is needed for an interactive shell', {cause: error, hint: 'Install the docker client (docker.io) or use galley exec.'})))
      child.on('close', (code) => resolve(code ?? 1))
    })
  }

  async snapshot(handle: ContainerHandle, key: string): Promise<Snapshot> {
    const ref = `${STEP_REPO}:${key}`
    if (!(await this.engine.hasImage(ref))) {
      // Not paused: the lifecycle snapshots a step only when it left no process running beside init,
      // so nothing can change the files while they are committed.
      await this.engine.commit(this.engine.container(handle.name), STEP_REPO, key, {[STEP_LABEL]: key}, false)
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
    await this.engine.commit(this.engine.container(handle.name), repo, tag, labels)
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
    await this.engine.remove(this.engine.container(handle.name))
    await this.engine.removeVolumes({[VOLUME_OWNER]: handle.name})
    await rm(path.join(this.mountsDir(), handle.name), {recursive: true, force: true})
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

  /** Upper folders of the mount volumes of this engine's containers (one folder per engine socket). */
  private mountsDir(): string {
    return storeDir('docker', createHash('sha256').update(this.engine.socket).digest('hex').slice(0, 12))
  }

  /** Mount volumes and folders whose container is gone (a run killed between making them and it). */
  async removeDebris(): Promise<string[]> {
    const removed: string[] = []
    const containers = new Set((await this.list({})).map((c) => c.name))
    const old = (created: number) => Date.now() - created > DEBRIS_AGE_MS
    for (const v of await this.engine.listVolumes(VOLUME_OWNER)) {
      const owner = v.Labels?.[VOLUME_OWNER] ?? ''
      const created = Date.parse((v as {CreatedAt?: string}).CreatedAt ?? '') || 0
      if (containers.has(owner) || !old(created)) continue
      await this.engine.removeVolumes({[VOLUME_OWNER]: owner})
      removed.push(`volume ${v.Name}`)
    }
    const dirs = this.mountsDir()
    for (const name of readdirSync(dirs)) {
      if (containers.has(name) || !old(statSync(path.join(dirs, name)).mtimeMs)) continue
      await rm(path.join(dirs, name), {recursive: true, force: true})
      removed.push(`folder ${path.join(dirs, name)}`)
    }
    return removed
  }
}

