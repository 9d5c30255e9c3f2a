/** Reads a JUnit file the way CI tools do, for assertions on what Galley wrote. */
import {readFileSync} from 'node:fs'
import {XMLParser} from 'fast-xml-parser'

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

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

export function readJunit(file: string): {tests: number; failures: number; errors: number; suites: ParsedSuite[]} {
  const parser = new XMLParser({ignoreAttributes: false, attributeNamePrefix: '', textNodeName: 'text', parseAttributeValue: false})
  const doc = parser.parse(readFileSync(file, 'utf8'))
  const root = doc.testsuites
  const detail = (x: any) => (x === undefined ? undefined : {message: x.message ?? '', type: x.type ?? '', text: typeof x === 'string' ? x : (x.text ?? '')})
  return {
    tests: Number(root.tests),
    failures: Number(root.failures),
    errors: Number(root.errors),
    suites: asArray(root.testsuite).map((s: any) => ({
      name: s.name,
      tests: Number(s.tests),
      failures: Number(s.failures),
      errors: Number(s.errors),
      skipped: Number(s.skipped),
      properties: Object.fromEntries(asArray(s.properties?.property).map((p: any) => [p.name, p.value])),
      cases: asArray(s.testcase).map((c: any) => ({
        classname: c.classname,
        name: c.name,
        time: Number(c.time ?? 0),
        failure: detail(c.failure),
        error: detail(c.error),
        skipped: c.skipped !== undefined,
      })),
    })),
  }
}
