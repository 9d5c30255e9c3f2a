import {Flags} from '@oclif/core'
import {GalleyCommand} from '../../cli/base.js'
import {humanAge, humanSize, reachableEngines} from '../../cli/engines.js'
import {formatTable} from '../../cli/table.js'

export default class CacheLs extends GalleyCommand {
  static summary = 'List step snapshots (the step cache) on every engine here, with size, age and use.'
  static examples = ['<%= config.bin %> cache ls', '<%= config.bin %> cache ls --json']
  static flags = {json: Flags.boolean({summary: 'Print JSON.'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(CacheLs)
    const rows = []
    for (const {driver, label} of await reachableEngines()) {
      for (const s of await driver.listSnapshots()) rows.push({engine: label, ...s})
    }
    rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
    if (flags.json) return void this.log(JSON.stringify(rows, null, 2))
    if (rows.length === 0) return void this.log('the step cache is empty; every successful converge step fills it')
    const table = rows.map((r) => [r.engine, r.id, humanSize(r.size), humanAge(r.createdAt), r.inUse ? 'in use' : ''])
    for (const line of formatTable(['Engine', 'Snapshot', 'Size', 'Age', 'Use'], table)) this.log(line)
    const total = rows.reduce((n, r) => n + (r.size ?? 0), 0)
    this.log(`\n${rows.length} snapshots, ${humanSize(total)}`)
  }
}
