/**
 * Which engine a user means, as the docker command decides it: DOCKER_HOST (with its TLS
 * variables), else a Docker context, else the default socket; and each entry of a pool.
 * Docker contexts are read as the docker command reads them: DOCKER_CONTEXT, else `currentContext`
 * in config.json; each context's endpoint in contexts/meta/<sha256 of its name>/meta.json and its
 * TLS files in contexts/tls/<same>/docker/. The folder is DOCKER_CONFIG, else ~/.docker.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'
import type {PoolHost} from '../../src/config/types.js'
import {BadEndpoint, certFolder, DEFAULT_SOCKET, describeEndpoint, parseAddress, type Endpoint} from './endpoint.js'

interface ContextMeta {
  Name?: string
  Endpoints?: {docker?: {Host?: string; SkipTLSVerify?: boolean}}
}

export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || path.join(homedir(), '.docker')
}

/** The context the docker command would use when DOCKER_HOST is not set; undefined for none. */
export function currentContext(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DOCKER_CONTEXT) return env.DOCKER_CONTEXT
  const file = path.join(dockerConfigDir(env), 'config.json')
  if (!existsSync(file)) return undefined
  try {
    const context = (JSON.parse(readFileSync(file, 'utf8')) as {currentContext?: unknown}).currentContext
    return typeof context === 'string' && context ? context : undefined
  } catch (error) {
    throw new BadEndpoint(`${file} is not valid JSON`, {cause: error, hint: 'Fix the file, or set DOCKER_HOST to say which engine to use.'})
  }
}

/** The endpoint of context `name`; its TLS files are used when the context has them. */
export function readContext(name: string, env: NodeJS.ProcessEnv = process.env): Endpoint {
  const id = createHash('sha256').update(name).digest('hex')
  const dir = path.join(dockerConfigDir(env), 'contexts')
  const file = path.join(dir, 'meta', id, 'meta.json')
  let meta: ContextMeta
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as ContextMeta
  } catch (error) {
    throw new BadEndpoint(`there is no Docker context \`${name}\` (looked for ${file})`, {cause: error, hint: 'List the contexts with docker context ls; create one with docker context create.'})
  }
  const host = meta.Endpoints?.docker?.Host
  if (!host) throw new BadEndpoint(`Docker context \`${name}\` has no docker endpoint (${file})`, {hint: `Set one: docker context update ${name} --docker host=...`})
  const endpoint = parseAddress(host)
  if (endpoint.kind !== 'tcp') return endpoint
  const tls = path.join(dir, 'tls', id, 'docker')
  const files = {ca: path.join(tls, 'ca.pem'), cert: path.join(tls, 'cert.pem'), key: path.join(tls, 'key.pem')}
  const present = Object.fromEntries(Object.entries(files).filter(([, f]) => existsSync(f)))
  if (Object.keys(present).length === 0) return endpoint
  return {...endpoint, tls: {...present, verify: !meta.Endpoints?.docker?.SkipTLSVerify}}
}

export interface ResolvedEndpoint {
  endpoint: Endpoint
  /** How reports name the engine: a pool entry's name, a context's name, or the address. */
  name: string
}

/**
 * The engine the docker command would talk to, as Docker's own client decides: DOCKER_HOST first
 * (TLS when DOCKER_TLS_VERIFY or DOCKER_TLS is set, files from DOCKER_CERT_PATH or ~/.docker),
 * then DOCKER_CONTEXT, then the current context in config.json, then the default socket.
 */
export function defaultEndpoint(env: NodeJS.ProcessEnv = process.env): ResolvedEndpoint {
  const fromHost = hostEndpoint(env)
  if (fromHost) return {endpoint: fromHost, name: describeEndpoint(fromHost)}
  const context = currentContext(env)
  if (context && context !== 'default') return {endpoint: readContext(context, env), name: context}
  return {endpoint: {kind: 'unix', path: DEFAULT_SOCKET}, name: DEFAULT_SOCKET}
}

/** DOCKER_HOST with its TLS variables (Docker's `default` context); undefined when it is not set. */
function hostEndpoint(env: NodeJS.ProcessEnv): Endpoint | undefined {
  if (!env.DOCKER_HOST) return undefined
  const endpoint = parseAddress(env.DOCKER_HOST)
  const verify = Boolean(env.DOCKER_TLS_VERIFY)
  if (endpoint.kind !== 'tcp' || endpoint.tls || !(verify || env.DOCKER_TLS)) return endpoint
  return {...endpoint, tls: certFolder(env.DOCKER_CERT_PATH || path.join(homedir(), '.docker'), verify)}
}

/** An entry of `driver: {hosts: [...]}` as an endpoint: its address or context, its TLS and SSH settings. */
export function resolveHost(host: PoolHost, env: NodeJS.ProcessEnv = process.env): ResolvedEndpoint {
  let endpoint: Endpoint
  if (host.context === 'default') endpoint = hostEndpoint(env) ?? {kind: 'unix', path: DEFAULT_SOCKET}
  else endpoint = host.context ? readContext(host.context, env) : parseAddress(host.address ?? '')
  if (endpoint.kind === 'tcp' && host.tls) endpoint = {...endpoint, tls: host.tls}
  if (endpoint.kind === 'ssh' && host.ssh) endpoint = {...endpoint, ...host.ssh}
  return {endpoint, name: host.name ?? host.context ?? describeEndpoint(endpoint)}
}
