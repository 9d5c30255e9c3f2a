/** Picks the engine for a driver name; engines load lazily so `galley --version` stays fast. */
import {EngineError} from '../src/errors.js'
import type {Driver} from './driver.js'

const cache = new Map<string, Promise<Driver>>()

export function getDriver(name: string): Promise<Driver> {
  let d = cache.get(name)
  if (!d) {
    d = load(name)
    cache.set(name, d)
  }
  return d
}

async function load(name: string): Promise<Driver> {
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
    default:
      throw new EngineError(`unknown driver \`${name}\``, {hint: 'Use driver: { name: lxc }.'})
  }
}
