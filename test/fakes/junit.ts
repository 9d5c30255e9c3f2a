/** Reads a JUnit file the way CI tools do, for assertions on what Galley wrote: Galley's own reader, in the shape tests compare. */
import {readFileSync} from 'node:fs'
import {readJunit as readJunitXml, type JunitOutcome} from '../../src/junit-xml.js'

export interface ParsedCase {
  classname: string
  name: string
  time: number
  failure?: {message: string; type: string; text: string}
  error?: {message: string; type: string; text: string}
  skipped: boolean
}

export interface ParsedSuite {
  name: string
  tests: number
  failures: number
  errors: number
  skipped: number
  properties: Record<string, string>
  cases: ParsedCase[]
}

const detail = (o: JunitOutcome | undefined) => (o === undefined ? undefined : {message: o.message ?? '', type: o.type ?? '', text: o.text})

export function readJunit(file: string): {tests: number; failures: number; errors: number; suites: ParsedSuite[]} {
  const doc = readJunitXml(readFileSync(file, 'utf8'))
  const count = (attrs: Record<string, string>, key: string) => Number(attrs[key])
  return {
    tests: count(doc.attributes, 'tests'),
    failures: count(doc.attributes, 'failures'),
    errors: count(doc.attributes, 'errors'),
    suites: doc.suites.map((s) => ({
      name: s.name,
      tests: count(s.attributes, 'tests'),
      failures: count(s.attributes, 'failures'),
      errors: count(s.attributes, 'errors'),
      skipped: count(s.attributes, 'skipped'),
      properties: s.properties,
      cases: s.cases.map((c) => ({classname: c.classname ?? '', name: c.name, time: c.timeMs / 1000, failure: detail(c.failure), error: detail(c.error), skipped: c.skipped !== undefined})),
    })),
  }
}
