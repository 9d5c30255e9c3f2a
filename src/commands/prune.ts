import {Flags} from '@oclif/core'
import type {ContainerHandle, Driver} from '../../drivers/driver.js'
import {getDriver} from '../../drivers/index.js'
import {knownEngines} from '../lifecycle/pool/known.js'
import {reachableEngines} from '../cli/engines.js'
import {GalleyCommand} from '../cli/base.js'
import {EngineError, UsageError} from '../errors.js'
import {forgetDeadRuns, readRun} from '../lifecycle/runs.js'
import {StateStore} from '../lifecycle/state.js'
import {processAlive} from '../process.js'

/**
 * Why a container of Galley's stays, or undefined when it is an orphan: its run was killed (its
 * record is there, its process is not), or its run finished and no project's state keeps it.
 */
function keeper(c: ContainerHandle): string | undefined {
  const record = c.run ? readRun(c.run) : undefined
  if (record) return processAlive(record) ? `its run ${c.run} (pid ${record.pid}) is in progress` : undefined
  if (c.root && c.instance) {
    const st = new StateStore(c.root).read(c.instance)
    if (st?.handle?.name === c.name) return `instance ${c.instance} of ${c.root} keeps it (galley destroy there removes it)`
  }
  return undefined
}

/** The state of the instance the container was, if it names that container, goes with it. */
function forgetState(c: ContainerHandle): void {
  if (!c.root || !c.instance) return
  const store = new StateStore(c.root)
  if (store.read(c.instance)?.handle?.name === c.name) store.remove(c.instance)
}

export default class Prune extends GalleyCommand {
  static summary = 'Remove what killed or crashed Galley runs left behind, on every engine here and every engine of the pools runs here used.'
  static description =
    "An orphan is a container of Galley's whose run was killed or crashed, or whose run finished and that no project's state keeps " +
    '(instances kept on purpose, with --destroy never or after a failure, stay until galley destroy). ' +
    'Half-copied layers and images, and mount volumes of containers that are gone, go too. Works from any folder.'
  static examples = ['<%= config.bin %> prune --orphans', '<%= config.bin %> prune --orphans --dry-run']
  static flags = {
    orphans: Flags.boolean({summary: 'Remove orphaned containers and half-made layers, images and volumes.'}),
    'dry-run': Flags.boolean({summary: 'Only list what would be removed.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Prune)
    if (!flags.orphans) throw new UsageError('say what to prune: --orphans', {hint: 'Step snapshots: galley cache prune. Base images: galley image rm.'})
    const failures: string[] = []
    let removed = 0
    // An engine reached twice (a pool's entry for this machine's socket, say) lists a container twice.
    const seen = new Set<string>()
    for (const {driver, label} of [...(await reachableEngines()), ...(await this.poolEngines())]) {
      for (const c of await driver.list({})) {
        const id = String(c.id ?? `${label}/${c.name}`)
        if (seen.has(id)) continue
        seen.add(id)
        const why = keeper(c)
        if (why) {
          this.debug(`keeping ${label} ${c.name}: ${why}`)
          continue
        }
        const what = `${label} container ${c.name}${c.instance ? ` (instance ${c.instance}${c.root ? ` of ${c.root}` : ''})` : ''}`
        if (flags['dry-run']) {
          this.log(`would remove ${what}`)
          continue
        }
        try {
          await driver.destroy(c)
          forgetState(c)
          this.log(`removed ${what}`)
          removed++
        } catch (error) {
          failures.push(`${what}: ${(error as Error).message}`)
        }
      }
      if (flags['dry-run']) continue
      for (const item of await driver.removeDebris()) {
        this.log(`removed ${label} ${item}`)
        removed++
      }
    }
    if (!flags['dry-run']) forgetDeadRuns()
    if (failures.length > 0) throw new EngineError(`could not remove:\n${failures.join('\n')}`, {hint: 'Check the engines with galley doctor, then run galley prune --orphans again.'})
    if (!flags['dry-run']) this.log(removed ? `${removed} removed` : 'nothing to remove')
  }

  /** The engines of pools that runs here used (lifecycle/pool/known.ts); one that does not answer is said so. */
  private async poolEngines(): Promise<{driver: Driver; label: string}[]> {
    const out: {driver: Driver; label: string}[] = []
    for (const known of knownEngines()) {
      try {
        const driver = await getDriver({name: 'docker', socket: known.address, label: known.name})
        const failed = (await driver.doctor()).find((c) => !c.ok)
        if (failed) this.logToStderr(`engine ${known.name} did not answer, so it was not pruned: ${failed.detail}`)
        else out.push({driver, label: known.name})
      } catch (error) {
        this.logToStderr(`engine ${known.name} (${known.address}) could not be reached, so it was not pruned: ${(error as Error).message}`)
      }
    }
    return out
  }
}
