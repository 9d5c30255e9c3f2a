/** Reads a JUnit XML report written by another tool (pytest, serverspec, bats --formatter junit) into test cases. */
import {XMLParser} from 'fast-xml-parser'

export interface JunitCase {
  classname?: string
  name: string
  timeMs: number
  ok: boolean
  skipped: boolean
  /** The failure's or error's message attribute, else its first line. */
  message?: string
  /** The failure's or error's text, then the case's own output. */
  text: string
}

type Node = Record<string, unknown>
const REPEATED = new Set(['testsuite', 'testcase', 'failure', 'error', 'skipped'])

/** Thrown for a file that is not a JUnit report; its message says why. */
export class NotJunitError extends Error {}

function textOf(node: unknown): string {
  if (node === undefined || node === null) return ''
  if (typeof node !== 'object') return String(node)
  return String((node as Node)['#text'] ?? '')
}

export function parseJunitReport(xml: string): JunitCase[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    textNodeName: '#text',
    alwaysCreateTextNode: true,
    parseAttributeValue: false,
    isArray: (name) => REPEATED.has(name),
  })
  let doc: Node
  try {
    doc = parser.parse(xml, true) as Node
  } catch (error) {
    throw new NotJunitError(`it is not well-formed XML: ${(error as Error).message.split('\n')[0]}`)
  }
  const root = (doc.testsuites ?? doc.testsuite) as Node | Node[] | undefined
  if (!root) throw new NotJunitError('it has no <testsuites> or <testsuite> element')
  const cases: JunitCase[] = []
  const visit = (suite: Node) => {
    for (const child of (suite.testsuite as Node[] | undefined) ?? []) visit(child)
    for (const tc of (suite.testcase as Node[] | undefined) ?? []) {
      const bad = ((tc.failure as Node[] | undefined) ?? (tc.error as Node[] | undefined))?.[0]
      const skipped = tc.skipped !== undefined
      const text = [textOf(bad).trim(), textOf(tc['system-out']).trim(), textOf(tc['system-err']).trim()].filter(Boolean).join('\n')
      const message = bad ? String(bad.message ?? '').trim() || textOf(bad).trim().split('\n')[0] || (tc.failure ? 'failed' : 'error') : skipped ? String((tc.skipped as Node[])[0].message ?? '').trim() || undefined : undefined
      cases.push({
        classname: tc.classname !== undefined ? String(tc.classname) : undefined,
        name: String(tc.name ?? 'unnamed'),
        timeMs: Math.round(Number(tc.time ?? 0) * 1000) || 0,
        ok: !bad,
        skipped,
        message,
        text,
      })
    }
  }
  for (const suite of Array.isArray(root) ? root : [root]) visit(suite)
  return cases
}
