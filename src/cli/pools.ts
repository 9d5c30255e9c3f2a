/**
 * The pools of engines a run uses (one per distinct `driver.hosts` list): opened before anything
 * is made, engines that do not answer reported and skipped, and each instance placed on one when
 * its turn comes.
 */
import type {InstanceSpec} from '../config/types.js'
import type {RunEmitter} from '../lifecycle/events.js'
import type {Action, Instance} from '../lifecycle/instance.js'
import {storedCosts} from '../lifecycle/pool/costs.js'
import {rememberEngines} from '../lifecycle/pool/known.js'
import {isPool, openPool, poolEntries} from '../lifecycle/pool/open.js'
import {PlacedDriver} from '../lifecycle/pool/placed-driver.js'
import type {Pool} from '../lifecycle/pool/pool.js'

export interface RunPools {
  /** The driver for an instance of a pool; undefined for an instance on a single engine. */
  driverFor(spec: InstanceSpec): PlacedDriver | undefined
  /** The runner's `place`: an instance goes to the engine holding its container, unless `test` makes it anew. */
  place(inst: Instance, signal: AbortSignal): Promise<(() => void) | undefined>
}

/**
 * Opens the pools `specs` use. `say` gets a line for each engine skipped; an engine's failure
 * later in the run becomes a note on the instances it fails.
 */
export async function openRunPools(specs: InstanceSpec[], action: Action | 'test', concurrency: number, events: RunEmitter, say: (line: string) => void): Promise<RunPools> {
  const pools = new Map<string, Pool>()
  const costs = specs.some((s) => isPool(s.driver)) ? storedCosts() : undefined
  for (const spec of specs) {
    if (!isPool(spec.driver)) continue
    const key = JSON.stringify(spec.driver.hosts)
    if (pools.has(key)) continue
    const {pool, down} = await openPool(spec.driver.hosts, {concurrency, costs, note: (instance, message) => events.emit('instance:note', {instance, message})})
    for (const {name, error} of down) say(`engine ${name} is not reachable and is skipped: ${error.message}`)
    rememberEngines(poolEntries(spec.driver.hosts).flatMap((e) => (e.address ? [{name: e.name, address: e.address}] : [])))
    pools.set(key, pool)
  }
  return {
    driverFor: (spec) => (isPool(spec.driver) ? pools.get(JSON.stringify(spec.driver.hosts))?.driverFor(spec.name) : undefined),
    place: async (inst, signal) => {
      const driver = inst.driver
      if (!(driver instanceof PlacedDriver)) return undefined
      const handle = action === 'test' ? undefined : inst.handle
      return driver.place({only: handle && driver.engineHolding(handle), signal})
    },
  }
}
