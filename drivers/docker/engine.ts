/**
 * The Docker Engine API through dockerode: the only file of the Docker driver that calls the engine.
 * Each call maps the engine's HTTP statuses to named errors (as dockerode's own docs list them),
 * with the engine's message kept as `cause`. Podman's Docker-compatible socket answers the same calls.
 */
import type Docker from 'dockerode'
import {readFileSync} from 'node:fs'
import type {Agent} from 'node:http'
import https from 'node:https'
import {Docker as DockerApi} from './dockerode.js'
import type {Readable} from 'node:stream'
import {EngineError} from '../../src/errors.js'
import {EngineUnreachable} from '../driver.js'
import {defaultEndpoint} from './context.js'
import {describeEndpoint, formatAddress, parseAddress, type Endpoint} from './endpoint.js'
import {sshAgent} from './ssh.js'

export class DockerError extends EngineError {}
export class NoSuchContainer extends DockerError {}
export class NoSuchImage extends DockerError {}
export class DockerConflict extends DockerError {}
/** Kept here too: the driver's callers have always imported it from this file. */
export {EngineUnreachable}

interface HttpError extends Error {
  statusCode?: number
  code?: string
  json?: {message?: string}
}

const describe = (error: HttpError) => error.json?.message ?? error.message

/** Connection failures: the engine is down, gone, or cannot be reached from here. */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTKEY', 'EAUTH', 'ESSH'])

const UNREACHABLE_HINTS: Record<string, string> = {
  EACCES: 'Run galley as root or as a member of the docker group.',
  EHOSTKEY: "ssh does not know the host's key: check it, then add it (ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts), or name a known_hosts file in the host's ssh settings.",
  EAUTH: 'ssh refused the login: load the key into ssh-agent, or name it in the host\'s ssh settings (identity).',
  ESSH: 'Check that ssh reaches the host (ssh -p PORT USER@HOST docker version) and that the docker command is installed there.',
}

/** Turns a dockerode failure into a named error saying what was asked of which engine. */
function named(error: unknown, what: string, where: string): EngineError {
  const e = error as HttpError
  if (e.code && UNREACHABLE.has(e.code)) {
    return new EngineUnreachable(`the Docker engine ${where} is not reachable (${e.code}) while trying to ${what}`, {
      cause: error,
      hint: UNREACHABLE_HINTS[e.code] ?? 'Start the engine (dockerd, or podman system service), or check driver.socket, driver.hosts, DOCKER_HOST or the Docker context.',
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

/**
 * dockerode's options for an endpoint. Every connection option is given, so that docker-modem's
 * own reading of DOCKER_HOST and DOCKER_CERT_PATH cannot mix into an engine named otherwise.
 */
function connectOptions(e: Endpoint): Docker.DockerOptions & {agent?: Agent} {
  const none = {socketPath: undefined, host: undefined, port: undefined, ca: undefined, cert: undefined, key: undefined, agent: undefined}
  if (e.kind === 'unix') return {...none, socketPath: e.path}
  if (e.kind === 'ssh') return {...none, protocol: 'http', host: 'docker', port: 80, agent: sshAgent(e)}
  if (!e.tls) return {...none, protocol: 'http', host: e.host, port: e.port}
  const read = (file?: string) => (file ? readFileSync(file) : undefined)
  const tls = {ca: read(e.tls.ca), cert: read(e.tls.cert), key: read(e.tls.key)}
  // Without verify (DOCKER_TLS, SkipTLSVerify) the connection is encrypted, the server unchecked.
  return {...none, protocol: 'https', host: e.host, port: e.port, ...tls, agent: new https.Agent({...tls, keepAlive: true, rejectUnauthorized: e.tls.verify})}
}

const DISK_FULL_HINT = "The engine's disk is full: remove what is not needed (galley cache prune --all, docker system prune), then run again."


export interface EngineInfo {
  version: string
  apiVersion: string
  /** Podman answers with a Libpod-API-Version header. */
  podman: boolean
  /** The cgroup version of the engine's host. */
  cgroupVersion: 1 | 2
}

export class Engine {
  readonly api: Docker
  readonly endpoint: Endpoint
  /** The engine's address (endpoint.ts): what handles keep, so later commands reach it again. */
  readonly socket: string
  /** How messages name it: its name when it has one, and where it is. */
  readonly where: string
  /** Its name in reports: a pool entry's or a context's name, or where it is. */
  readonly label: string

  /** `address` as endpoint.ts reads it; none means the engine the docker command would use. */
  constructor(address?: string, label?: string) {
    const resolved = address ? {endpoint: parseAddress(address), name: undefined} : defaultEndpoint()
    this.endpoint = resolved.endpoint
    this.socket = formatAddress(this.endpoint)
    const at = describeEndpoint(this.endpoint)
    this.label = label ?? resolved.name ?? at
    this.where = this.label === at ? `at ${at}` : `${this.label} at ${at}`
    this.api = new DockerApi(connectOptions(this.endpoint))
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (error) {
      throw named(error, what, this.where)
    }
  }

  /** The version call, given up after `timeoutMs` (an engine over the network may never answer). */
  async info(timeoutMs = 20_000): Promise<EngineInfo> {
    // The version endpoint's components name Podman when it is Podman.
    const answer = <T>(call: () => Promise<T>): Promise<T> =>
      Promise.race([call(), new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error(`no answer in ${timeoutMs / 1000}s`), {code: 'ETIMEDOUT'})), timeoutMs).unref())])
    const [v, info] = await Promise.all([
      this.call('read the engine version', () => answer(() => this.api.version())),
      this.call('read the engine info', () => answer(() => this.api.info() as Promise<{CgroupVersion?: string}>)),
    ])
    const podman = (v.Components ?? []).some((c: {Name: string}) => /podman/i.test(c.Name))
    // Docker says "1" or "2"; older engines say nothing, and had only v1.
    return {version: v.Version, apiVersion: v.ApiVersion, podman, cgroupVersion: /2/.test(String(info.CgroupVersion ?? '')) ? 2 : 1}
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.api.getImage(ref).inspect()
      return true
    } catch (error) {
      if ((error as HttpError).statusCode === 404) return false
      throw named(error, `inspect image ${ref}`, this.where)
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
        if (err) reject(named(err, what, this.where))
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
      throw named(error, `start container ${c.id}`, this.where)
    }
  }

  /** The container's full id and its init's pid on the engine's host (0 when it is not running). */
  async inspect(c: Docker.Container): Promise<{id: string; pid: number}> {
    const info = await this.call(`inspect container ${c.id}`, () => c.inspect())
    return {id: info.Id, pid: info.State?.Pid ?? 0}
  }

  /** Gives the container another name; the old one is free for a new container at once. */
  async rename(c: Docker.Container, name: string): Promise<void> {
    await this.call(`rename container ${c.id} to ${name}`, () => c.rename({name}))
  }

  /** Freezes every process of the container (the cgroup freezer). */
  async pause(c: Docker.Container): Promise<void> {
    await this.call(`pause container ${c.id}`, () => c.pause())
  }

  async unpause(c: Docker.Container): Promise<void> {
    await this.call(`unpause container ${c.id}`, () => c.unpause())
  }

  /** Stops a container with its stop signal, killing it after `seconds`; one stopped or gone already is not an error. */
  async stop(c: Docker.Container, seconds: number): Promise<void> {
    try {
      await c.stop({t: seconds})
    } catch (error) {
      const status = (error as HttpError).statusCode
      if (status === 304 || status === 404) return
      throw named(error, `stop container ${c.id}`, this.socket)
    }
  }

  /** Whether `file` is in the container's filesystem (started or not); a symlink counts as there. */
  async hasPath(c: Docker.Container, file: string): Promise<boolean> {
    try {
      // The answer is a response stream with no body; left open, its socket keeps the process alive.
      const response = (await c.infoArchive({path: file})) as unknown as Readable
      response.destroy()
      return true
    } catch (error) {
      if ((error as HttpError).statusCode === 404) return false
      throw named(error, `look for ${file} in ${c.id}`, this.socket)
    }
  }

  /** Whether the container runs, and the exit code of its PID 1 when it has stopped. */
  async state(c: Docker.Container): Promise<{running: boolean; exitCode: number}> {
    const info = await this.call(`inspect container ${c.id}`, () => c.inspect())
    return {running: info.State.Running, exitCode: info.State.ExitCode}
  }

  /** The last `lines` lines the container's PID 1 wrote (its console: systemd's boot messages). */
  async logTail(c: Docker.Container, lines: number): Promise<string> {
    const buf = (await this.call(`read the log of ${c.id}`, () => c.logs({stdout: true, stderr: true, tail: lines, follow: false}))) as unknown as Buffer
    // Without a terminal the log is framed: stream, three zero bytes, a 32-bit length, the bytes.
    let out = ''
    for (let i = 0; i + 8 <= buf.length; ) {
      const n = buf.readUInt32BE(i + 4)
      out += buf.subarray(i + 8, i + 8 + n).toString()
      i += 8 + n
    }
    return out
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
      throw named(error, `remove container ${c.id}`, this.where)
    }
  }

  /**
   * Commits the container as image `repo:tag` with `labels` on the image and other Dockerfile
   * `changes` (CMD …) applied; paused meanwhile unless `pause` is false.
   */
  async commit(c: Docker.Container, repo: string, tag: string, labels: Record<string, string>, options: {changes?: string[]; pause?: boolean} = {}): Promise<void> {
    // Quoted as in a Dockerfile, so values may hold spaces, quotes and backslashes.
    const changes = [...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`), ...(options.changes ?? [])]
    await this.call(`commit ${c.id} as ${repo}:${tag}`, () => c.commit({repo, tag, pause: options.pause ?? true, changes}))
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

  /** Loads a docker-archive file or stream; its response is read to the end (its errors are errors). */
  async loadImages(source: string | Readable): Promise<void> {
    const what = typeof source === 'string' ? `load ${source}` : 'load images'
    const stream = await this.call(what, () => this.api.loadImage(source))
    await this.followProgress(stream, what)
  }

  /** The bytes of the image's layers together; undefined when the engine does not have it. */
  async imageSize(ref: string): Promise<number | undefined> {
    try {
      return (await this.api.getImage(ref).inspect()).Size
    } catch (error) {
      if ((error as HttpError).statusCode === 404) return undefined
      throw named(error, `inspect image ${ref}`, this.where)
    }
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
      throw named(error, `remove image ${ref}`, this.where)
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
        if ((error as HttpError).statusCode !== 404) throw named(error, `remove volume ${v.Name}`, this.where)
      }
    }
  }

  /** Galley's containers (those labelled galley.project) whose labels include `labels`. */
  async list(labels: Record<string, string>): Promise<Docker.ContainerInfo[]> {
    const filters = JSON.stringify({label: ['galley.project', ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]})
    return this.call('list containers', () => this.api.listContainers({all: true, filters}))
  }
}
