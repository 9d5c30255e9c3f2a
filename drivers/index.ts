/**
 * Picks the engine for a driver's settings. Engines load lazily so `galley --version` stays fast;
 * `auto` takes LXC when it is usable here, else Docker (or Podman's socket), and says why. It never
 * picks `dummy`, which has no engine and must be asked for.
 */
import path from 'node:path'
import type {DummyAction} from '../src/config/types.js'
import {EngineError} from '../src/errors.js'
import {galleyHome} from '../src/images/store.js'
import type {Driver} from './driver.js'

export interface DriverChoice {
  name: string
  /** Docker: the engine's address (drivers/docker/endpoint.ts); none means the one docker would use. */
  socket?: string
  /** Docker: its name in reports and messages (a pool entry's name). */
  label?: string
  /** The dummy driver's settings; other engines ignore them. */
  sleepMs?: number
  fail?: DummyAction[]
}

const cache = new Map<string, Promise<Driver>>()
/** Why `auto` chose what it chose, for the run's first line. */
export const autoChoices = new Map<string, string>()

export function getDriver(choice: DriverChoice | string): Promise<Driver> {
  const {name, socket, label, sleepMs, fail} = typeof choice === 'string' ? ({name: choice} as DriverChoice) : choice
  const key = name === 'dummy' ? `dummy\0${sleepMs ?? 0}\0${[...new Set(fail)].sort()}` : `${name}\0${socket ?? ''}\0${label ?? ''}`
  let d = cache.get(key)
  if (!d) {
    d = name === 'auto' ? chooseAuto(socket) : load({name, socket, label, sleepMs, fail})
    cache.set(key, d)
  }
  return d
}

async function load({name, socket, label, sleepMs, fail}: DriverChoice): Promise<Driver> {
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
      return new DockerDriver({socket, label})
    }
    case 'dummy': {
      const {DummyDriver} = await import('./dummy/driver.js')
      // Kept in Galley's store, so that the step cache and containers outlive one process.
      return new DummyDriver({sleepMs, fail, dir: path.join(galleyHome(), 'dummy')})
    }
    default:
      throw new EngineError(`unknown driver \`${name}\``, {hint: 'Use driver: { name: lxc }, docker, auto or dummy.'})
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
