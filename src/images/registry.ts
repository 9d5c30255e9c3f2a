/**
 * Pushing an image layout to a registry over the distribution API (for engines without an image
 * store of their own, such as LXC). Blobs go up in one PUT each and are skipped when the registry
 * has them; the manifest goes last. Loopback registries are spoken to over plain HTTP (as Docker
 * does), others over HTTPS. Credentials come from the Docker client's config.json (`auths`, the
 * base64 `auth` entry), used for Basic auth or to fetch a Bearer token.
 */
import {createReadStream, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'
import {EngineError, UsageError} from '../errors.js'
import {blobPath, type Descriptor, type Layout} from './archive.js'

/** The registry is unreachable or refused the push: exit 3, as for an engine. */
export class RegistryError extends EngineError {}

export interface RegistryRef {
  host: string
  repository: string
  tag: string
}

/** `localhost:5000/team/app:1.0` → host, repository and tag; a name with no registry host is refused. */
export function parseRegistryRef(ref: string): RegistryRef {
  const slash = ref.indexOf('/')
  const first = slash > 0 ? ref.slice(0, slash) : ''
  if (!first || !(first.includes('.') || first.includes(':') || first === 'localhost')) {
    throw new UsageError(`\`${ref}\` names no registry to push to`, {hint: 'Put the registry in the tag: --tag localhost:5000/myapp:1.0 (host[:port]/name:tag).'})
  }
  const rest = ref.slice(slash + 1)
  const colon = rest.lastIndexOf(':')
  return colon > rest.lastIndexOf('/') ? {host: first, repository: rest.slice(0, colon), tag: rest.slice(colon + 1)} : {host: first, repository: rest, tag: 'latest'}
}

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return name === 'localhost' || name === '::1' || /^127\./.test(name)
}

/** The base64 user:password `docker login` saved for the registry, if any. */
export function dockerCredentials(host: string): string | undefined {
  const file = path.join(process.env.DOCKER_CONFIG ?? path.join(homedir(), '.docker'), 'config.json')
  try {
    const auths = (JSON.parse(readFileSync(file, 'utf8')) as {auths?: Record<string, {auth?: string}>}).auths ?? {}
    return auths[host]?.auth ?? auths[`https://${host}`]?.auth
  } catch {
    return undefined
  }
}

class Client {
  private authorization?: string
  private readonly base: string

  constructor(private readonly ref: RegistryRef) {
    this.base = `${isLoopback(ref.host) ? 'http' : 'https'}://${ref.host}/v2/${ref.repository}`
  }

  /** A request, answering one authentication challenge if the registry makes one. */
  async request(method: string, url: string, init: {headers?: Record<string, string>; body?: () => unknown} = {}): Promise<Response> {
    const send = () =>
      fetch(url, {
        method,
        headers: {...init.headers, ...(this.authorization ? {authorization: this.authorization} : {})},
        ...(init.body ? {body: init.body() as BodyInit, duplex: 'half'} : {}),
        redirect: 'follow',
      } as RequestInit)
    let res: Response
    try {
      res = await send()
    } catch (error) {
      throw new RegistryError(`cannot reach the registry ${this.ref.host}: ${(error as Error & {cause?: Error}).cause?.message ?? (error as Error).message}`, {
        hint: isLoopback(this.ref.host) ? 'Start it (a registry listening on that port), then push again.' : 'Check the host name and your network, then push again.',
      })
    }
    if (res.status !== 401 || this.authorization) return res
    await res.body?.cancel()
    this.authorization = await this.authenticate(res.headers.get('www-authenticate') ?? '')
    return send()
  }

  private async authenticate(challenge: string): Promise<string> {
    const creds = dockerCredentials(this.ref.host)
    if (/^basic/i.test(challenge)) {
      if (!creds) throw this.denied()
      return `Basic ${creds}`
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (!/^bearer/i.test(challenge) || !params.realm) throw this.denied()
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', `repository:${this.ref.repository}:pull,push`)
    const res = await fetch(url, {headers: creds ? {authorization: `Basic ${creds}`} : {}})
    if (!res.ok) throw this.denied()
    const body = (await res.json()) as {token?: string; access_token?: string}
    return `Bearer ${body.token ?? body.access_token}`
  }

  private denied(): RegistryError {
    return new RegistryError(`the registry ${this.ref.host} refused access to ${this.ref.repository}`, {hint: `Log in first (docker login ${this.ref.host}); Galley uses the credentials docker saves.`})
  }

  async fail(res: Response, what: string): Promise<never> {
    const text = (await res.text().catch(() => '')).trim().slice(0, 300)
    throw new RegistryError(`the registry ${this.ref.host} answered ${res.status} to ${what}${text ? `: ${text}` : ''}`)
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `${this.base}/blobs/${digest}`)
    return res.ok
  }

  async pushBlob(file: string, d: Descriptor): Promise<void> {
    if (await this.hasBlob(d.digest)) return
    const start = await this.request('POST', `${this.base}/blobs/uploads/`)
    if (start.status !== 202) await this.fail(start, `starting the upload of ${d.digest}`)
    await start.body?.cancel()
    const location = new URL(start.headers.get('location') ?? '', this.base)
    location.searchParams.set('digest', d.digest)
    const res = await this.request('PUT', location.toString(), {
      headers: {'content-type': 'application/octet-stream', 'content-length': String(d.size)},
      body: () => createReadStream(file),
    })
    if (res.status !== 201) await this.fail(res, `the upload of ${d.digest}`)
    await res.body?.cancel()
  }

  async putManifest(body: Buffer, mediaType: string): Promise<void> {
    const res = await this.request('PUT', `${this.base}/manifests/${this.ref.tag}`, {headers: {'content-type': mediaType}, body: () => body})
    if (res.status !== 201) await this.fail(res, `the manifest for ${this.ref.repository}:${this.ref.tag}`)
    await res.body?.cancel()
  }
}

/** Pushes the layout's image under `ref`; returns the manifest's digest. */
export async function pushLayout(layout: Layout, ref: string, onProgress?: (line: string) => void): Promise<string> {
  const target = parseRegistryRef(ref)
  const client = new Client(target)
  for (const d of [...layout.layers, layout.config]) {
    onProgress?.(`pushing ${d.digest.slice(0, 19)} (${d.size} bytes)`)
    await client.pushBlob(blobPath(layout.dir, d.digest), d)
  }
  await client.putManifest(readFileSync(blobPath(layout.dir, layout.manifest.digest)), layout.manifest.mediaType)
  return layout.manifest.digest
}
