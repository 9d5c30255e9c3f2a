import {Flags} from '@oclif/core'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {GalleyCommand} from '../../cli/base.js'
import {UsageError} from '../../errors.js'

export default class ReportHtml extends GalleyCommand {
  static summary = "Write one self-contained HTML page of a run: the instance matrix, each instance's timeline on its lane, each failure with its output."
  static description = 'Without --junit it shows the last run of the project (create, converge, verify or test), timeline included; with --junit, what the JUnit file holds (no phases, no lanes).'
  static usage = 'report html [--junit FILE] -o FILE'
  static examples = ['<%= config.bin %> report html -o report.html', '<%= config.bin %> report html --junit all.xml -o report.html']
  static flags = {
    output: Flags.string({char: 'o', required: true, summary: 'Where to write the page.', helpValue: 'FILE'}),
    junit: Flags.string({summary: 'Make the page from this JUnit report instead of the last run.', helpValue: 'FILE'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ReportHtml)
    const [{writeHtml}, model] = await Promise.all([import('../../reporters/html.js'), import('../../reporters/html-model.js')])
    const out = path.resolve(flags.output)
    let report
    if (flags.junit) {
      let xml: string
      try {
        xml = readFileSync(flags.junit, 'utf8')
      } catch (error) {
        throw new UsageError(`cannot read ${flags.junit}`, {cause: error, hint: 'Name a JUnit XML file: galley report html --junit .galley/junit.xml -o report.html'})
      }
      try {
        report = model.reportOfJunit(xml, flags.junit)
      } catch (error) {
        throw new UsageError(`${flags.junit} is not a JUnit report`, {cause: error, hint: 'Name a JUnit XML file, such as the one galley test writes (.galley/junit.xml).'})
      }
    } else {
      const {root} = await this.project(flags)
      const {readLastRun} = await import('../../cli/last-run.js')
      report = model.reportOfResults(readLastRun(root).results, {title: `galley report of ${path.basename(root)}`, logs: path.relative(path.dirname(out), path.join(root, '.galley', 'logs')) || '.'})
    }
    writeHtml(out, report)
    const failed = report.instances.filter((i) => i.status === 'failed' || i.status === 'error').length
    this.log(`${report.instances.length} instances (${failed} failed) → ${flags.output}`)
  }
}
