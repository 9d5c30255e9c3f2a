import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {EngineError} from '../errors.js'
import {commandLine} from '../cli/session.js'
import {destroyInstances, type DestroyOutcome} from '../lifecycle/destroy.js'
import {entryChoice, isPool, poolEntries} from '../lifecycle/pool/open.js'
import {lockInstances} from '../lifecycle/lock.js'
import {StateStore} from '../lifecycle/state.js'

export default class Destroy extends GalleyCommand {
  static summary = "Destroy instances: remove their containers, including ones a crashed or killed run left behind."
  static usage = 'destroy [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> destroy', '<%= config.bin %> destroy web-debian-12']

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Destroy)
    const config = await this.project(flags)
    const store = new StateStore(config.root)
    // Instances that left state behind but are no longer in galley.yml can be destroyed too.
    const known = [...new Set([...config.instances.map((i) => i.name), ...store.readAll().map((s) => s.instance)])].map((name) => ({name}))
    const names = argv.length > 0 ? new Set(selectInstances(known, argv as string[]).map((i) => i.name)) : undefined
    // Every engine of a pool, so containers a killed run left on any of them are found by label.
    const drivers = config.instances.flatMap((i) => (isPool(i.driver) ? poolEntries(i.driver.hosts).filter((e) => e.address).map(entryChoice) : [{name: i.driver.name, socket: i.driver.socket}]))
    const unlock = lockInstances(config.root, names ? [...names] : known.map((k) => k.name), commandLine())
    let outcomes
    try {
      outcomes = await destroyInstances(config.root, store, drivers, names)
    } finally {
      unlock()
    }
    const failed = outcomes.filter((o) => o.error)
    for (const o of outcomes) if (!o.error) this.log(`destroyed ${o.instance} (${o.container})`)
    if (outcomes.length === 0) this.log('nothing to destroy')
    if (failed.length > 0) {
      const what = (o: DestroyOutcome) => (o.engine ? `could not look for containers on engine ${o.engine}` : `could not destroy ${o.instance} (${o.container})`)
      throw new EngineError(failed.map((o) => `${what(o)}: ${(o.error as Error).message}`).join('\n'), {
        cause: failed[0].error,
        hint: 'Check the engine with galley doctor, then run galley destroy again.',
      })
    }
  }
}
