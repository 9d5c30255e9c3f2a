import {Flags} from '@oclif/core'
import {getDriver} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {projectId} from '../lifecycle/instance.js'
import {StateStore, type InstanceState} from '../lifecycle/state.js'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export default class List extends GalleyCommand {
  static summary = 'List instances with their state, checked against the engine.'
  static usage = 'list [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> list', '<%= config.bin %> list --json']
  static flags = {json: Flags.boolean({summary: 'Print JSON.'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(List)
    const config = this.project(flags)
    const store = new StateStore(config.root)
    const specs = selectInstances(config.instances, argv as string[])
    const existing = new Set<string>()
    for (const dn of new Set(specs.map((s) => s.driver.name))) {
      for (const h of await (await getDriver(dn)).list({'galley.project': projectId(config.root)})) existing.add(`${dn}/${h.name}`)
    }
    const rows = specs.map((spec) => {
      const st: InstanceState | undefined = store.read(spec.name)
      let state: string = st?.state ?? 'destroyed'
      // The state file is what the last run wrote; the engine says whether it still holds.
      if (st?.state === 'creating' && !alive(st.pid)) state = 'broken'
      else if (st?.handle && st.state !== 'creating' && !existing.has(`${st.handle.driver}/${st.handle.name}`)) state = 'missing'
      return {
        instance: spec.name,
        suite: spec.suite,
        platform: spec.platform.name,
        driver: spec.driver.name,
        state,
        container: st?.handle?.name ?? null,
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
    const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)))
    for (const row of [head, ...table]) this.log(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd())
    if (rows.some((r) => r.state === 'broken' || r.state === 'missing')) this.log('\nbroken or missing instances were left by an interrupted run: galley destroy removes what remains.')
  }
}
