/** From `driver: {hosts: [...]}` to the engines of a pool: addresses and names, then drivers for a run. */
import {resolveHost} from '../../../drivers/docker/context.js'
import {formatAddress} from '../../../drivers/docker/endpoint.js'
import type {ContainerHandle, Driver} from '../../../drivers/driver.js'
import {getDriver, type DriverChoice} from '../../../drivers/index.js'
import type {DriverSettings, PoolHost} from '../../config/types.js'
import {EngineError} from '../../errors.js'
import {StepCosts} from './costs.js'
import {Pool, type PoolEngine} from './pool.js'

export interface PoolEntry {
  name: string
  /** Its address; undefined when the entry could not be read (a context that is not there). */
  address?: string
  capacity?: number
  error?: EngineError
}

/** Whether an instance's driver settings make a pool: `hosts` on docker (or auto, which then means docker). */
export function isPool(driver: DriverSettings): driver is DriverSettings & {hosts: PoolHost[]} {
  return Boolean(driver.hosts?.length) && (driver.name === 'docker' || driver.name === 'auto')
}

/** The engines `hosts` lists, contexts read and addresses made; an entry that cannot be read says why. */
export function poolEntries(hosts: PoolHost[], env: NodeJS.ProcessEnv = process.env): PoolEntry[] {
  return hosts.map((host) => {
    try {
      const {endpoint, name} = resolveHost(host, env)
      return {name, address: formatAddress(endpoint), ...(host.capacity ? {capacity: host.capacity} : {})}
    } catch (error) {
      const name = host.name ?? host.context ?? host.address ?? '?'
      return {name, error: error instanceof EngineError ? error : new EngineError(`engine ${name} of driver.hosts cannot be read`, {cause: error})}
    }
  })
}

/** The driver choice that reaches a pool's engine from any later command. */
export function entryChoice(entry: PoolEntry): DriverChoice {
  return {name: 'docker', socket: entry.address, label: entry.name}
}

export interface OpenedPool {
  pool: Pool
  /** Engines skipped at the start: unreadable or not answering, with why. */
  down: {name: string; error: EngineError}[]
}

/**
 * Opens a pool for a run: a driver per engine, every engine asked at once whether it answers.
 * Those that do not are skipped (and returned); when none answers, the run cannot go on.
 */
export async function openPool(hosts: PoolHost[], options: {concurrency: number; costs?: StepCosts; note?: (instance: string, message: string) => void}, resolve: (choice: DriverChoice) => Promise<Driver> = getDriver): Promise<OpenedPool> {
  const entries = poolEntries(hosts)
  const down: OpenedPool['down'] = entries.flatMap((e) => (e.error ? [{name: e.name, error: e.error}] : []))
  const engines: PoolEngine[] = []
  for (const entry of entries) {
    if (entry.error || !entry.address) continue
    try {
      engines.push({name: entry.name, address: entry.address, capacity: entry.capacity, driver: await resolve(entryChoice(entry))})
    } catch (error) {
      down.push({name: entry.name, error: error instanceof EngineError ? error : new EngineError(`engine ${entry.name} could not be loaded`, {cause: error})})
    }
  }
  const pool = new Pool(engines, {...options, resolve: (handle: ContainerHandle) => resolve({name: handle.driver, socket: handle.socket as string | undefined})})
  down.push(...(await pool.check()).map(({engine, error}) => ({name: engine.name, error})))
  if (pool.up().length === 0) {
    throw new EngineError(`no engine of the pool answers (${entries.map((e) => e.name).join(', ')})`, {
      cause: down[down.length - 1]?.error,
      hint: 'Start the engines or fix driver.hosts; galley doctor checks each engine of the pool.',
    })
  }
  return {pool, down}
}
