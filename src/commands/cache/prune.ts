import {Flags} from '@oclif/core'
import {GalleyCommand} from '../../cli/base.js'
import {humanSize, parseDuration, reachableEngines} from '../../cli/engines.js'
import {UsageError} from '../../errors.js'

export default class CachePrune extends GalleyCommand {
  static summary = 'Remove step snapshots that no container uses: all of them, or those older than a given age.'
  static examples = ['<%= config.bin %> cache prune --all', '<%= config.bin %> cache prune --older-than 7d']
  static flags = {
    all: Flags.boolean({summary: 'Remove every snapshot not in use.'}),
    'older-than': Flags.string({summary: 'Remove snapshots not in use and older than this (90m, 12h, 7d, 2w).'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(CachePrune)
    if (!flags.all && !flags['older-than']) throw new UsageError('say what to prune: --all, or --older-than AGE', {hint: 'galley cache ls shows the snapshots with their age.'})
    const age = flags['older-than'] ? parseDuration(flags['older-than']) : 0
    if (age === undefined) throw new UsageError(`--older-than takes an age such as 90m, 12h, 7d or 2w, not \`${flags['older-than']}\``)
    let removed = 0
    let freed = 0
    const gone = new Set<string>()
    for (const {driver, label} of await reachableEngines()) {
      // A layer other layers stack on goes once they are gone, so repeat until nothing more goes.
      for (let progress = true; progress; ) {
        progress = false
        for (const s of await driver.listSnapshots()) {
          if (s.inUse || gone.has(`${label} ${s.id}`) || Date.now() - Date.parse(s.createdAt) < age) continue
          if (await driver.removeSnapshot(s.id)) {
            gone.add(`${label} ${s.id}`)
            this.log(`removed ${label} ${s.id}`)
            removed++
            freed += s.size ?? 0
            progress = true
          }
        }
      }
    }
    this.log(removed ? `${removed} snapshots removed, ${humanSize(freed)} freed` : 'nothing to remove')
  }
}
