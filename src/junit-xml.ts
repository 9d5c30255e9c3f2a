/**
 * The one JUnit XML reader: for reports other tools write (the junit verifier), for Galley's own
 * reports merged across CI shards, and for the durations of an earlier run. The document is parsed
 * in order, so a suite can be written back exactly as it was read.
 */
import {XMLParser, XMLValidator} from 'fast-xml-parser'

/** A node of the document as parsed in order: `{tag: children, ':@': attributes}` or `{'#text': …}`. */
export type OrderedNode = Record<string, unknown> & {':@'?: Record<string, string>}

export const ORDERED_OPTIONS = {ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, parseAttributeValue: false, parseTagValue: false, trimValues: false, commentPropName: '#comment', cdataPropName: '#cdata'} as const

export interface JunitOutcome {
  message?: string
  type?: string
  text: string
}

export interface JunitCase {
  classname?: string
  name: string
  timeMs: number
  failure?: JunitOutcome
  error?: JunitOutcome
  skipped?: JunitOutcome
  systemOut: string
  systemErr: string
}

export interface JunitSuite {
  name: string
  attributes: Record<string, string>
  timeMs: number
  properties: Record<string, string>
  cases: JunitCase[]
  /** Suites nested inside this one. */
  suites: JunitSuite[]
  /** The suite as parsed, to write it back as it was. */
  node: OrderedNode
}

export interface JunitDocument {
  /** The root's attributes (`<testsuites>`'s; empty for a lone `<testsuite>`). */
  attributes: Record<string, string>
  suites: JunitSuite[]
}

/** Thrown for a text that is not a JUnit report; its message says why, with the place when XML is malformed. */
export class NotJunitError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message)
  }
}

export const tagOf = (node: OrderedNode): string | undefined => Object.keys(node).find((k) => k !== ':@')
const children = (node: OrderedNode): OrderedNode[] => {
  const tag = tagOf(node)
  const value = tag ? node[tag] : undefined
  return Array.isArray(value) ? (value as OrderedNode[]) : []
}
const childrenNamed = (node: OrderedNode, tag: string) => children(node).filter((c) => tagOf(c) === tag)

/** The text inside a node: its text and CDATA children, in order. */
function textOf(node: OrderedNode | undefined): string {
  if (!node) return ''
  return children(node)
    .map((c) => (c['#text'] !== undefined ? String(c['#text']) : c['#cdata'] !== undefined ? textOf({'#cdata': c['#cdata']}) : ''))
    .join('')
}

const seconds = (value: string | undefined) => Math.round(Number(value ?? 0) * 1000) || 0

function outcome(node: OrderedNode | undefined): JunitOutcome | undefined {
  if (!node) return undefined
  const attrs = node[':@'] ?? {}
  return {...(attrs.message !== undefined ? {message: attrs.message} : {}), ...(attrs.type !== undefined ? {type: attrs.type} : {}), text: textOf(node)}
}

function readCase(node: OrderedNode): JunitCase {
  const attrs = node[':@'] ?? {}
  const first = (tag: string) => childrenNamed(node, tag)[0]
  return {
    ...(attrs.classname !== undefined ? {classname: attrs.classname} : {}),
    name: attrs.name ?? 'unnamed',
    timeMs: seconds(attrs.time),
    ...(first('failure') ? {failure: outcome(first('failure'))} : {}),
    ...(first('error') ? {error: outcome(first('error'))} : {}),
    ...(first('skipped') ? {skipped: outcome(first('skipped'))} : {}),
    systemOut: textOf(first('system-out')),
    systemErr: textOf(first('system-err')),
  }
}

function readSuite(node: OrderedNode): JunitSuite {
  const attributes = node[':@'] ?? {}
  const properties = childrenNamed(node, 'properties').flatMap((p) => childrenNamed(p, 'property')).map((p) => [p[':@']?.name ?? '', p[':@']?.value ?? textOf(p)])
  return {
    name: attributes.name ?? '',
    attributes,
    timeMs: seconds(attributes.time),
    properties: Object.fromEntries(properties),
    cases: childrenNamed(node, 'testcase').map(readCase),
    suites: childrenNamed(node, 'testsuite').map(readSuite),
    node,
  }
}

/** Reads a JUnit report: a `<testsuites>` root, or a lone `<testsuite>` (serverspec, bats). */
export function readJunit(xml: string): JunitDocument {
  const valid = XMLValidator.validate(xml)
  if (valid !== true) throw new NotJunitError(`it is not well-formed XML: ${valid.err.msg}`, valid.err.line, valid.err.col)
  const doc = new XMLParser(ORDERED_OPTIONS).parse(xml) as OrderedNode[]
  const root = doc.find((n) => tagOf(n) === 'testsuites' || tagOf(n) === 'testsuite')
  if (!root) throw new NotJunitError('it has no <testsuites> or <testsuite> element')
  if (tagOf(root) === 'testsuite') return {attributes: {}, suites: [readSuite(root)]}
  return {attributes: root[':@'] ?? {}, suites: childrenNamed(root, 'testsuite').map(readSuite)}
}

/** Every case of every suite, nested suites included, in document order. */
export function allCases(doc: JunitDocument): JunitCase[] {
  const out: JunitCase[] = []
  const visit = (s: JunitSuite) => {
    s.suites.forEach(visit)
    out.push(...s.cases)
  }
  doc.suites.forEach(visit)
  return out
}
