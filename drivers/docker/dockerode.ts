/**
 * dockerode, loaded without the parts Galley never uses until something calls them: docker-modem's
 * SSH transport (ssh2) and dockerode's BuildKit session (gRPC and protobuf) are required at load
 * time and cost about 110 ms of the 180 ms dockerode takes to load; Galley talks to a Unix socket,
 * tcp://, or ssh:// through OpenSSH (./ssh.ts, an HTTP agent), and builds no images through the
 * engine. Each is replaced by a function that loads the real module on its first call.
 */
import {createRequire, Module} from 'node:module'
import type DockerClass from 'dockerode'

const require = createRequire(import.meta.url)
const DEFERRED = [/[\\/]docker-modem[\\/]lib[\\/]ssh\.js$/, /[\\/]dockerode[\\/]lib[\\/]session\.js$/]

type Load = (request: string, parent: unknown, isMain: boolean) => unknown
const loader = Module as unknown as {_load: Load; _resolveFilename: (request: string, parent: unknown, isMain: boolean) => string}

function requireDockerode(): typeof DockerClass {
  const load = loader._load
  loader._load = function (request, parent, isMain) {
    const file = loader._resolveFilename(request, parent, isMain)
    if (!DEFERRED.some((re) => re.test(file))) return load.call(this, request, parent, isMain)
    // Both modules export one function; this one loads it when first called.
    let real: ((...args: unknown[]) => unknown) | undefined
    return function (this: unknown, ...args: unknown[]) {
      real ??= load.call(loader, request, parent, isMain) as (...args: unknown[]) => unknown
      return real.apply(this, args)
    }
  }
  try {
    return require('dockerode') as typeof DockerClass
  } finally {
    loader._load = load
  }
}

export const Docker = requireDockerode()
