import {Flags} from '@oclif/core'
import {getDriver, type DriverChoice} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {formatTable} from '../cli/table.js'
import {projectId} from '../lifecycle/instance.js'
import {engineOf, StateStore, type InstanceState} from '../lifecycle/state.js'
import {entryChoice, isPool, poolEntries} from '../lifecycle/pool/open.js'
import {EngineError} from '../errors.js'
import type {ContainerHandle} from '../../drivers/driver.js'
import type {InstanceSpec} from '../config/types.js'
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
    // What the engines hold for this project: container → running, and instance → container.
    // An engine that does not answer is said so; its instances keep the state the last run wrote.
    const existing = new Map<string, boolean>()
    const byInstance = new Map<string, string>()
    const silent = new Set<string>()
    for (const [key, choice] of engineChoices(specs, store.readAll())) {
      try {
        const driver = await getDriver(choice)
        for (const h of await driver.list({'galley.project': projectId(config.root)})) {
          existing.set(containerKey(h), h.running ?? true)
          if (h.instance) byInstance.set(h.instance, h.name)
        }
      } catch (error) {
        if (!(error instanceof EngineError)) throw error
        silent.add(key)
        this.logToStderr(`engine ${choice.label ?? choice.socket ?? choice.name} did not answer (${error.message}): its instances show the state the last run wrote`)
      }
    }
    const rows = specs.map((spec) => {
      const st: InstanceState | undefined = store.read(spec.name)
      let state: string = st?.state ?? 'destroyed'
      // The state file is what the last run wrote; the engine says whether it still holds.
      const key = st?.handle ? containerKey(st.handle) : undefined
      const engineSilent = st?.handle !== undefined && silent.has(choiceKey(st.driver, st.handle.socket as string | undefined))
      if (st?.state === 'creating' && !processAlive({pid: st.pid, started: 0})) state = 'broken'
      else if (key && !engineSilent && st?.state !== 'creating' && !existing.has(key)) state = 'missing'
      else if (key && existing.get(key) === false) state = 'stopped'
      else if (!st && byInstance.has(spec.name)) state = 'orphaned'
      return {
        instance: spec.name,
        suite: spec.suite,
        platform: spec.platform.name,
        driver: st?.driver ?? spec.driver.name,
        engine: st ? engineOf(st) : null,
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
    const head = ['Instance', 'Suite', 'Platform', 'Driver', 'Engine', 'State', 'Last action']
    const table = rows.map((r) => [r.instance, r.suite, r.platform, r.driver, r.engine ?? '-', r.state, r.lastAction ? `${r.lastAction}${r.lastError ? ` (failed: ${r.lastError})` : ''}` : '<none>'])
    for (const line of formatTable(head, table)) this.log(line)
    if (rows.some((r) => ['broken', 'missing', 'stopped', 'orphaned'].includes(r.state))) {
      this.log('\nbroken, missing, stopped or orphaned (a container with no state) instances need a fresh start: galley destroy removes what remains, then create or test again.')
    }
  }
}

const choiceKey = (driver: string, socket: string | undefined) => `${driver}\0${socket ?? ''}`

/** A container on one engine: two engines may hold containers of the same name. */
const containerKey = (h: ContainerHandle) => `${h.driver}\0${h.socket ?? ''}\0${h.name}`

/** The engines to ask: the instances' (each engine of a pool), and those the state files name. */
function engineChoices(specs: InstanceSpec[], states: InstanceState[]): Map<string, DriverChoice> {
  const choices = new Map<string, DriverChoice>()
  for (const s of specs) {
    if (!isPool(s.driver)) choices.set(choiceKey(s.driver.name, s.driver.socket), {name: s.driver.name, socket: s.driver.socket})
    else for (const e of poolEntries(s.driver.hosts)) if (e.address) choices.set(choiceKey('docker', e.address), entryChoice(e))
  }
  for (const st of states) if (st.handle && !choices.has(choiceKey(st.driver, st.handle.socket as string | undefined))) choices.set(choiceKey(st.driver, st.handle.socket as string | undefined), {name: st.driver, socket: st.handle.socket as string | undefined})
  return choices
}
