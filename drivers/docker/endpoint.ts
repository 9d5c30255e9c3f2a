/**
 * Where a Docker (or Podman) engine is, written as one address that Galley keeps in each
 * container's handle, so any later command (list, exec, destroy, prune) reaches the same engine:
 *
 *   /run/docker.sock or unix:///run/docker.sock     a socket on this machine
 *   tcp://host:2375                                  plain TCP
 *   tcp://host:2376?tls=verify&ca=…&cert=…&key=…     TLS (tls=on: encrypted, the server not verified)
 *   ssh://user@host:22?identity=…&known_hosts=…      SSH, which runs `docker system dial-stdio` there
 *
 * An address names files by absolute path and never holds a secret. Which engine a user means
 * when no address is given (DOCKER_HOST, Docker contexts) is context.ts's business.
 */
import path from 'node:path'
import {EngineError} from '../../src/errors.js'

export const DEFAULT_SOCKET = '/var/run/docker.sock'

export interface TlsFiles {
  ca?: string
  cert?: string
  key?: string
  /** Check the server's certificate against `ca` and its name (DOCKER_TLS_VERIFY, --tlsverify). */
  verify: boolean
}

export type Endpoint =
  | {kind: 'unix'; path: string}
  | {kind: 'tcp'; host: string; port: number; tls?: TlsFiles}
  | {kind: 'ssh'; host: string; port: number; user?: string; identity?: string; knownHosts?: string}

/** An engine address that cannot be read: a setting to fix, not an engine failure to retry. */
export class BadEndpoint extends EngineError {}

const HINT = 'Write unix:///PATH, tcp://HOST:PORT or ssh://USER@HOST[:PORT] (see the README, "A pool of engines").'

/** Reads an address (the forms above); throws BadEndpoint for anything else. */
export function parseAddress(text: string): Endpoint {
  const address = text.trim()
  if (address.startsWith('/')) return {kind: 'unix', path: address}
  if (address.startsWith('unix://')) {
    const socket = address.slice('unix://'.length)
    if (!socket.startsWith('/')) throw new BadEndpoint(`engine address \`${text}\` names no socket path`, {hint: HINT})
    return {kind: 'unix', path: socket}
  }
  let url: URL
  try {
    url = new URL(address)
  } catch (error) {
    throw new BadEndpoint(`engine address \`${text}\` is not an address`, {cause: error, hint: HINT})
  }
  const query = url.searchParams
  const file = (key: string) => {
    const value = query.get(key)
    return value ? path.resolve(value) : undefined
  }
  if (url.protocol === 'tcp:' && url.hostname) {
    const tlsMode = query.get('tls')
    const tls = tlsMode === 'verify' || tlsMode === 'on' ? {ca: file('ca'), cert: file('cert'), key: file('key'), verify: tlsMode === 'verify'} : undefined
    return {kind: 'tcp', host: url.hostname, port: Number(url.port) || (tls ? 2376 : 2375), ...(tls ? {tls} : {})}
  }
  if (url.protocol === 'ssh:' && url.hostname) {
    return {
      kind: 'ssh',
      host: url.hostname,
      port: Number(url.port) || 22,
      ...(url.username ? {user: decodeURIComponent(url.username)} : {}),
      ...(file('identity') ? {identity: file('identity')} : {}),
      ...(file('known_hosts') ? {knownHosts: file('known_hosts')} : {}),
    }
  }
  throw new BadEndpoint(`engine address \`${text}\` uses an unknown scheme`, {hint: HINT})
}

/** The address of an endpoint, the same text for the same engine (a socket is its bare path). */
export function formatAddress(e: Endpoint): string {
  if (e.kind === 'unix') return e.path
  const query = new URLSearchParams()
  if (e.kind === 'tcp') {
    if (e.tls) {
      query.set('tls', e.tls.verify ? 'verify' : 'on')
      for (const key of ['ca', 'cert', 'key'] as const) if (e.tls[key]) query.set(key, e.tls[key]!)
    }
    return `tcp://${hostPart(e.host)}:${e.port}${query.size ? `?${query}` : ''}`
  }
  if (e.identity) query.set('identity', e.identity)
  if (e.knownHosts) query.set('known_hosts', e.knownHosts)
  const user = e.user ? `${encodeURIComponent(e.user)}@` : ''
  return `ssh://${user}${hostPart(e.host)}:${e.port}${query.size ? `?${query}` : ''}`
}

/** The endpoint for messages: the address without the files it names. */
export function describeEndpoint(e: Endpoint): string {
  if (e.kind === 'unix') return e.path
  if (e.kind === 'tcp') return `tcp://${hostPart(e.host)}:${e.port}${e.tls ? ' (TLS)' : ''}`
  return `ssh://${e.user ? `${e.user}@` : ''}${hostPart(e.host)}:${e.port}`
}

/** IPv6 literals go in brackets in a URL. */
const hostPart = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host)

/** TLS files as Docker reads them from DOCKER_CERT_PATH (or a context's folder): ca.pem, cert.pem, key.pem. */
export function certFolder(dir: string, verify: boolean): TlsFiles {
  return {ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem'), verify}
}
