import {Flags} from '@oclif/core'
import {getDriver, type DriverChoice} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {formatTable} from '../cli/table.js'
import {projectId} from '../lifecycle/instance.js'
import {StateStore, type InstanceState} from '../lifecycle/state.js'
import {processAlive} from '../process.js'

export default class List extends GalleyCommand {
  static summary = 'List instances with their state, checked against the engine.'
  static usage = 'list [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> list', '<%= config.bin %> list --json']
  static flags = {json: Flags.boolean({summary: 'Print JSON.'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(List)
    const config = await this.project(flags)
    const store = new StateStore(config.root)
    const specs = selectInstances(config.instances, argv as string[])
    // What the engines hold for this project: container name → running, and instance → container.
    const existing = new Map<string, boolean>()
    const byInstance = new Map<string, string>()
    const choices = new Map<string, DriverChoice>(specs.map((s) => [`${s.driver.name}\0${s.driver.socket ?? ''}`, {name: s.driver.name, socket: s.driver.socket}]))
    for (const st of store.readAll()) if (st.handle) choices.set(`${st.driver}\0${st.handle.socket ?? ''}`, {name: st.driver, socket: st.handle.socket as string | undefined})
    for (const choice of choices.values()) {
      const driver = await getDriver(choice)
      for (const h of await driver.list({'galley.project': projectId(config.root)})) {
        existing.set(`${driver.name}/${h.name}`, h.running ?? true)
        if (h.instance) byInstance.set(h.instance, h.name)
      }
    }
    const rows = specs.map((spec) => {
      const st: InstanceState | undefined = store.read(spec.name)
      let state: string = st?.state ?? 'destroyed'
      // The state file is what the last run wrote; the engine says whether it still holds.
      const key = st?.handle ? `${st.handle.driver}/${st.handle.name}` : undefined
      if (st?.state === 'creating' && !processAlive({pid: st.pid, started: 0})) state = 'broken'
      else if (key && st?.state !== 'creating' && !existing.has(key)) state = 'missing'
      else if (key && existing.get(key) === false) state = 'stopped'
      else if (!st && byInstance.has(spec.name)) state = 'orphaned'
      return {
        instance: spec.name,
        suite: spec.suite,
        platform: spec.platform.name,
        driver: st?.driver ?? spec.driver.name,
        state,
        container: st?.handle?.name ?? byInstance.get(spec.name) ?? null,
        lastAction: st?.lastAction ?? null,
        lastError: st?.lastError ?? null,
        updatedAt: st?.updatedAt ?? null,
      }
    })
    if (flags.json) {
      this.log(JSON.stringify(rows, null, 2))
      return
    }
    const head = ['Instance', 'Suite', 'Platform', 'Driver', 'State', 'Last action']
    const table = rows.map((r) => [r.instance, r.suite, r.platform, r.driver, r.state, r.lastAction ? `${r.lastAction}${r.lastError ? ` (failed: ${r.lastError})` : ''}` : '<none>'])
    for (const line of formatTable(head, table)) this.log(line)
    if (rows.some((r) => ['broken', 'missing', 'stopped', 'orphaned'].includes(r.state))) {
      this.log('\nbroken, missing, stopped or orphaned (a container with no state) instances need a fresh start: galley destroy removes what remains, then create or test again.')
    }
  }
}
