/**
 * The Docker Engine API through dockerode: the only file of the Docker driver that calls the engine.
 * Each call maps the engine's HTTP statuses to named errors (as dockerode's own docs list them),
 * with the engine's message kept as `cause`. Podman's Docker-compatible socket answers the same calls.
 */
import type Docker from 'dockerode'
import {Docker as DockerApi} from './dockerode.js'
import type {Readable} from 'node:stream'
import {EngineError} from '../../src/errors.js'

export class DockerError extends EngineError {}
export class NoSuchContainer extends DockerError {}
export class NoSuchImage extends DockerError {}
export class DockerConflict extends DockerError {}
export class EngineUnreachable extends DockerError {}

interface HttpError extends Error {
  statusCode?: number
  code?: string
  json?: {message?: string}
}

const describe = (error: HttpError) => error.json?.message ?? error.message

/** Turns a dockerode failure into a named error saying what was asked of which engine. */
function named(error: unknown, what: string, socket: string): DockerError {
  const e = error as HttpError
  if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED' || e.code === 'EACCES') {
    return new EngineUnreachable(`the Docker engine at ${socket} is not reachable (${e.code}) while trying to ${what}`, {
      cause: error,
      hint: e.code === 'EACCES' ? 'Run galley as root or as a member of the docker group.' : 'Start the engine (dockerd, or podman system service) or set DOCKER_HOST / driver.socket.',
    })
  }
  const message = `${what}: ${describe(e)}`
  switch (e.statusCode) {
    case 404:
      return /image/i.test(describe(e)) ? new NoSuchImage(message, {cause: error}) : new NoSuchContainer(message, {cause: error})
    case 409:
      return new DockerConflict(message, {cause: error, hint: 'Remove the conflicting container: galley destroy'})
    default:
      return new DockerError(message, {cause: error, ...(/no space left on device/i.test(message) ? {hint: DISK_FULL_HINT} : {})})
  }
}

const DISK_FULL_HINT = "The engine's disk is full: remove what is not needed (galley cache prune --all, docker system prune), then run again."


export interface EngineInfo {
  version: string
  apiVersion: string
  /** Podman answers with a Libpod-API-Version header. */
  podman: boolean
}

export class Engine {
  readonly api: Docker
  readonly socket: string

  constructor(socket?: string) {
    const host = socket ?? process.env.DOCKER_HOST
    if (host && !host.startsWith('unix://') && !host.startsWith('/')) {
      const url = new URL(host.replace(/^tcp:/, 'http:'))
      this.api = new DockerApi({host: url.hostname, port: Number(url.port || 2375)})
      this.socket = host
    } else {
      this.socket = (host ?? '/var/run/docker.sock').replace(/^unix:\/\//, '')
      this.api = new DockerApi({socketPath: this.socket})
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw named(error, what, this.socket)
    }
  }

  async info(): Promise<EngineInfo> {
    // The version endpoint's components name Podman when it is Podman.
    const v = await this.call('read the engine version', () => this.api.version())
    const podman = (v.Components ?? []).some((c: {Name: string}) => /podman/i.test(c.Name))
    return {version: v.Version, apiVersion: v.ApiVersion, podman}
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.api.getImage(ref).inspect()
      return true
    } catch (error) {
      if ((error as HttpError).statusCode === 404) return false
      throw named(error, `inspect image ${ref}`, this.socket)
    }
  }

  /**
   * Imports a root filesystem tar as image `ref` (repository and tag in one: Podman ignores a
   * separate tag parameter). The stream's error lines are errors too.
   */
  async importImage(tar: Readable, ref: string): Promise<void> {
    const stream = await this.call(`import image ${ref}`, () => this.api.importImage(tar, {repo: ref}))
    await this.followProgress(stream, `import image ${ref}`)
  }

  async pullImage(ref: string): Promise<void> {
    const stream = await this.call(`pull ${ref}`, () => this.api.pull(ref))
    await this.followProgress(stream, `pull ${ref}`)
  }

  /**
   * Pushes image `ref` (repository and tag) to the registry its name holds. `auth` is the base64
   * user:password that `docker login` keeps for the registry, when there is one.
   */
  async pushImage(ref: string, auth?: string): Promise<void> {
    const at = ref.lastIndexOf(':')
    const [repo, tag] = at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, 'latest']
    const [username, password] = auth ? Buffer.from(auth, 'base64').toString().split(/:(.*)/s) : []
    const authconfig = username ? {username, password, serveraddress: ref.split('/')[0]} : {}
    const stream = await this.call(`push ${ref}`, () => this.api.getImage(repo).push({tag, authconfig}))
    await this.followProgress(stream, `push ${ref}`)
  }

  /** Engine streams (import, pull, push) report failures as {"error": ...} lines inside an HTTP 200. */
  private followProgress(stream: NodeJS.ReadableStream, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.api.modem.followProgress(stream, (err: Error | null, output: {error?: string; errorDetail?: {message?: string}}[]) => {
        const failed = output?.find((line) => line.error || line.errorDetail)
        if (err) reject(named(err, what, this.socket))
        else if (failed) {
          const message = `${what}: ${failed.error ?? failed.errorDetail?.message}`
          reject(new DockerError(message, /no space left on device/i.test(message) ? {hint: DISK_FULL_HINT} : {}))
        }
        else resolve()
      })
    })
  }

  async createContainer(options: Docker.ContainerCreateOptions): Promise<Docker.Container> {
    return this.call(`create container ${options.name}`, () => this.api.createContainer(options))
  }

  container(nameOrId: string): Docker.Container {
    return this.api.getContainer(nameOrId)
  }

  async start(c: Docker.Container): Promise<void> {
    try {
      await c.start()
    } catch (error) {
      if ((error as HttpError).statusCode === 304) return
      throw named(error, `start container ${c.id}`, this.socket)
    }
  }

  async exec(c: Docker.Container, options: Docker.ExecCreateOptions): Promise<Docker.Exec> {
    return this.call(`exec in ${c.id}`, () => c.exec(options))
  }

  async startExec(e: Docker.Exec, stdin: boolean): Promise<NodeJS.ReadWriteStream> {
    return this.call('start exec', () => e.start({hijack: true, stdin}) as Promise<NodeJS.ReadWriteStream>)
  }

  async inspectExec(e: Docker.Exec): Promise<Docker.ExecInspectInfo> {
    return this.call('inspect exec', () => e.inspect())
  }

  demux(stream: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
    this.api.modem.demuxStream(stream, stdout, stderr)
  }

  async putArchive(c: Docker.Container, tar: Readable, dest: string): Promise<void> {
    await this.call(`copy files into ${c.id}:${dest}`, () => c.putArchive(tar, {path: dest}))
  }

  async getArchive(c: Docker.Container, file: string): Promise<NodeJS.ReadableStream> {
    return this.call(`copy ${c.id}:${file} out`, () => c.getArchive({path: file}))
  }

  /** Removes a container whatever its state; one that is already gone is not an error. */
  async remove(c: Docker.Container): Promise<void> {
    try {
      await c.remove({force: true, v: true})
    } catch (error) {
      const status = (error as HttpError).statusCode
      if (status === 404) return
      // A removal already under way (a second Ctrl-C, a concurrent destroy) finishes on its own.
      if (status === 409 && /already in progress/i.test(describe(error as HttpError))) return
      throw named(error, `remove container ${c.id}`, this.socket)
    }
  }

  /** Commits the container as image `repo:tag`, paused meanwhile unless `pause` is false, with `labels` on the image. */
  async commit(c: Docker.Container, repo: string, tag: string, labels: Record<string, string>, pause = true): Promise<void> {
    // Quoted as in a Dockerfile, so values may hold spaces, quotes and backslashes.
    const changes = Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`)
    await this.call(`commit ${c.id} as ${repo}:${tag}`, () => c.commit({repo, tag, pause, changes}))
  }

  /** Image references (repo:tag) whose repository is one of `repos`. */
  async imagesIn(repos: string[]): Promise<string[]> {
    const images = await this.call('list images', () => this.api.listImages())
    return images.flatMap((i) => i.RepoTags ?? []).filter((t) => repos.some((r) => t.startsWith(`${r}:`)))
  }

  /** Several images in one docker-archive stream (layers they share stored once). */
  async saveImages(refs: string[]): Promise<NodeJS.ReadableStream> {
    // dockerode has no call for GET /images/get with several names; the modem it uses does.
    return this.call(
      'save images',
      () =>
        new Promise<NodeJS.ReadableStream>((resolve, reject) =>
          this.api.modem.dial({path: '/images/get?', method: 'GET', options: {names: refs}, isStream: true, statusCodes: {200: true, 500: 'server error'}}, (err: Error | null, stream: unknown) =>
            err ? reject(err) : resolve(stream as NodeJS.ReadableStream),
          ),
        ),
    )
  }

  /** Loads a docker-archive file; its response is read to the end (its errors are errors). */
  async loadImages(file: string): Promise<void> {
    const stream = await this.call(`load ${file}`, () => this.api.loadImage(file))
    await this.followProgress(stream, `load ${file}`)
  }

  /** The image as a docker-archive tar stream (manifest.json; `docker load` and `podman load` read it). */
  async saveImage(ref: string): Promise<NodeJS.ReadableStream> {
    return this.call(`save image ${ref}`, () => this.api.getImage(ref).get())
  }

  async listImages(label: string): Promise<Docker.ImageInfo[]> {
    return this.call('list images', () => this.api.listImages({filters: JSON.stringify({label: [label]})}))
  }

  /** Whether any container, running or not, is made from the image. */
  async imageInUse(ref: string): Promise<boolean> {
    const users = await this.call('list containers', () => this.api.listContainers({all: true, filters: JSON.stringify({ancestor: [ref]})}))
    return users.length > 0
  }

  /** Removes an image; false when a container still uses it (409). */
  async removeImage(ref: string): Promise<boolean> {
    try {
      await this.api.getImage(ref).remove()
      return true
    } catch (error) {
      const status = (error as HttpError).statusCode
      if (status === 409) return false
      if (status === 404) return true
      throw named(error, `remove image ${ref}`, this.socket)
    }
  }

  async createVolume(name: string, options: Record<string, string>, labels: Record<string, string>): Promise<void> {
    await this.call(`create volume ${name}`, () => this.api.createVolume({Name: name, Driver: 'local', DriverOpts: options, Labels: labels}))
  }

  /** Removes the volumes carrying `labels`; ones already gone are not an error. */
  async listVolumes(label: string): Promise<Docker.VolumeInspectInfo[]> {
    const {Volumes} = await this.call('list volumes', () => this.api.listVolumes({filters: JSON.stringify({label: [label]})}))
    return Volumes ?? []
  }

  async removeVolumes(labels: Record<string, string>): Promise<void> {
    const filters = JSON.stringify({label: Object.entries(labels).map(([k, v]) => `${k}=${v}`)})
    const {Volumes} = await this.call('list volumes', () => this.api.listVolumes({filters}))
    for (const v of Volumes ?? []) {
      try {
        await this.api.getVolume(v.Name).remove()
      } catch (error) {
        if ((error as HttpError).statusCode !== 404) throw named(error, `remove volume ${v.Name}`, this.socket)
      }
    }
  }

  /** Galley's containers (those labelled galley.project) whose labels include `labels`. */
  async list(labels: Record<string, string>): Promise<Docker.ContainerInfo[]> {
    const filters = JSON.stringify({label: ['galley.project', ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]})
    return this.call('list containers', () => this.api.listContainers({all: true, filters}))
  }
}
