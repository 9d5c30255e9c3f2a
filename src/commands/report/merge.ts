import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import {GalleyCommand} from '../../cli/base.js'
import {UsageError} from '../../errors.js'
import {writeFileAtomic} from '../../files.js'
import {mergeJunit} from '../../reporters/merge.js'

export default class ReportMerge extends GalleyCommand {
  static summary = 'Merge JUnit reports (one per CI shard, say) into one, with totals recomputed.'
  static usage = 'report merge FILE... -o FILE'
  static strict = false
  static examples = ['<%= config.bin %> report merge shard-1.xml shard-2.xml shard-3.xml -o junit.xml']
  static args = {files: Args.string({description: 'JUnit XML files.'})}
  static flags = {output: Flags.string({char: 'o', required: true, summary: 'Where to write the merged report.'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ReportMerge)
    const files = argv as string[]
    if (files.length === 0) throw new UsageError('name the JUnit files to merge', {hint: 'galley report merge a.xml b.xml -o all.xml'})
    const merged = mergeJunit(files)
    const out = path.resolve(flags.output)
    writeFileAtomic(out, merged.xml)
    if (merged.duplicates.length > 0) this.logToStderr(`warning: in more than one file (overlapping shards?): ${merged.duplicates.join(', ')}`)
    this.log(`merged ${files.length} files: ${merged.suites} instances, ${merged.tests} cases, ${merged.failures} failures, ${merged.errors} errors, ${merged.skipped} skipped → ${flags.output}`)
  }
}
