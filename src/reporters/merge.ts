/**
 * Merging JUnit reports (one per CI shard) into one: every <testsuite> of every file, kept as it
 * was written (parsed and rewritten in document order, so cases, properties and output survive),
 * under one <testsuites> whose totals are recomputed.
 */
import {readFileSync} from 'node:fs'
import {XMLBuilder} from 'fast-xml-parser'
import {UsageError} from '../errors.js'
import {NotJunitError, ORDERED_OPTIONS, readJunit, type OrderedNode} from '../junit-xml.js'

export interface MergedReport {
  xml: string
  suites: number
  tests: number
  failures: number
  errors: number
  skipped: number
  /** Suite names (instances) found in more than one file. */
  duplicates: string[]
}

function suitesOf(file: string): OrderedNode[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, {hint: 'Give the paths of the JUnit files to merge.'})
  }
  const hint = 'Give JUnit XML files, such as those galley test --junit writes.'
  try {
    return readJunit(text).suites.map((s) => s.node)
  } catch (error) {
    if (!(error instanceof NotJunitError)) throw error
    if (error.line !== undefined) throw new UsageError(`${file}:${error.line}:${error.col}: not XML: ${error.message.replace(/^it is not well-formed XML: /, '')}`, {hint})
    throw new UsageError(`${file} holds no <testsuites> or <testsuite>`, {hint})
  }
}

const num = (v: string | undefined) => (v === undefined || Number.isNaN(Number(v)) ? 0 : Number(v))

export function mergeJunit(files: string[]): MergedReport {
  const suites: OrderedNode[] = []
  const seen = new Map<string, number>()
  for (const file of files) {
    for (const s of suitesOf(file)) {
      suites.push(s)
      const name = s[':@']?.name ?? ''
      seen.set(name, (seen.get(name) ?? 0) + 1)
    }
  }
  const total = (key: string) => suites.reduce((sum, s) => sum + num(s[':@']?.[key]), 0)
  const totals = {tests: total('tests'), failures: total('failures'), errors: total('errors'), skipped: total('skipped')}
  const time = Math.round(total('time') * 1000) / 1000
  const root: OrderedNode = {
    testsuites: suites,
    ':@': {name: 'galley', tests: String(totals.tests), failures: String(totals.failures), errors: String(totals.errors), skipped: String(totals.skipped), time: String(time)},
  }
  const body = new XMLBuilder({...ORDERED_OPTIONS, format: true, indentBy: '  ', suppressEmptyNode: true}).build([root]) as string
  return {xml: `<?xml version="1.0" encoding="UTF-8"?>\n${body.trim()}\n`, suites: suites.length, ...totals, duplicates: [...seen].filter(([, n]) => n > 1).map(([name]) => name)}
}
