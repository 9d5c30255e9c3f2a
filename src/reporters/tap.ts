/** A TAP version 13 report: one line per step and test of every instance, with a YAML block under each failure. */
import {stringify} from 'yaml'
import type {InstanceResult} from '../model.js'
import {writeFileAtomic} from '../files.js'
import {reportCases} from './cases.js'

/** `#` starts a directive in TAP and a newline ends the line: neither may appear in a description. */
const describe = (text: string) => text.replace(/\s+/g, ' ').replace(/#/g, '\\#')

export function formatTap(results: InstanceResult[]): string {
  const cases = results.flatMap(reportCases)
  const lines = ['TAP version 13', `1..${cases.length}`]
  cases.forEach((c, i) => {
    const head = `${c.status === 'passed' || c.status === 'skipped' ? 'ok' : 'not ok'} ${i + 1} - ${describe(`${c.instance} ${c.phase} ${c.name}`)}`
    if (c.status === 'skipped') return void lines.push(`${head} # SKIP ${describe(c.message ?? '')}`.trimEnd())
    lines.push(head)
    if (c.status === 'passed') return
    const block = stringify({message: c.message ?? c.status, severity: c.status === 'error' ? 'error' : 'fail', instance: c.instance, phase: c.phase, ...(c.command !== undefined ? {command: c.command} : {}), ...(c.at ? {at: c.at} : {}), ...(c.output ? {output: c.output} : {})}, {lineWidth: 0})
    lines.push('  ---', ...block.trimEnd().split('\n').map((l) => `  ${l}`), '  ...')
  })
  return lines.join('\n') + '\n'
}

export function writeTap(file: string, results: InstanceResult[]): void {
  writeFileAtomic(file, formatTap(results))
}
