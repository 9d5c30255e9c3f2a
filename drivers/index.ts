/**
 * Picks the engine for a driver's settings. Engines load lazily so `galley --version` stays fast;
 * `auto` takes LXC when it is usable here, else Docker (or Podman's socket), and says why.
 */
import {EngineError} from '../src/errors.js'
import type {Driver} from './driver.js'

export interface DriverChoice {
  name: string
  socket?: string
}

const cache = new Map<string, Promise<Driver>>()
/** Why `auto` chose what it chose, for the run's first line. */
export const autoChoices = new Map<string, string>()

export function getDriver(choice: DriverChoice | string): Promise<Driver> {
  const {name, socket} = typeof choice === 'string' ? {name: choice, socket: undefined} : choice
  const key = `${name}\0${socket ?? ''}`
  let d = cache.get(key)
  if (!d) {
    d = name === 'auto' ? chooseAuto(socket) : load(name, socket)
    cache.set(key, d)
  }
  return d
}

async function load(name: string, socket?: string): Promise<Driver> {
  switch (name) {
    case 'lxc': {
      try {
        const {LxcDriver} = await import('./lxc/driver.js')
        return new LxcDriver()
      } catch (error) {
        if (error instanceof EngineError) throw error
        throw new EngineError('the LXC driver could not load liblxc', {cause: error, hint: 'Install LXC: apt-get install lxc (see the README quick start).'})
      }
    }
    case 'docker': {
      const {DockerDriver} = await import('./docker/driver.js')
      return new DockerDriver({socket})
    }
    default:
      throw new EngineError(`unknown driver \`${name}\``, {hint: 'Use driver: { name: lxc }, docker or auto.'})
  }
}

async function chooseAuto(socket?: string): Promise<Driver> {
  const reasons: string[] = []
  try {
    const lxc = await getDriver('lxc')
    const failed = (await lxc.doctor()).filter((c) => !c.ok)
    if (failed.length === 0) {
      autoChoices.set(socket ?? '', 'driver auto: using lxc (liblxc works here, as root, with its bridge up)')
      return lxc
    }
    reasons.push(`lxc: ${failed.map((c) => c.detail).join('; ')}`)
  } catch (error) {
    reasons.push(`lxc: ${(error as Error).message}`)
  }
  const docker = await getDriver({name: 'docker', socket})
  const failed = (await docker.doctor()).filter((c) => !c.ok)
  if (failed.length === 0) {
    autoChoices.set(socket ?? '', `driver auto: using docker (${reasons.join('; ')})`)
    return docker
  }
  reasons.push(`docker: ${failed.map((c) => c.detail).join('; ')}`)
  throw new EngineError(`driver auto found no usable engine:\n  ${reasons.join('\n  ')}`, {hint: 'Run galley doctor, then start LXC networking or a Docker engine.'})
}
