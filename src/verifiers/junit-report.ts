/** A JUnit XML report written by another tool (pytest, serverspec, bats --formatter junit) as test cases. */
import {allCases, readJunit} from '../junit-xml.js'

export {NotJunitError} from '../junit-xml.js'

export interface ReportedCase {
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

export function parseJunitReport(xml: string): ReportedCase[] {
  return allCases(readJunit(xml)).map((c) => {
    const bad = c.failure ?? c.error
    const text = [bad?.text.trim(), c.systemOut.trim(), c.systemErr.trim()].filter(Boolean).join('\n')
    const message = bad ? bad.message?.trim() || bad.text.trim().split('\n')[0] || (c.failure ? 'failed' : 'error') : c.skipped ? c.skipped.message?.trim() || undefined : undefined
    return {...(c.classname !== undefined ? {classname: c.classname} : {}), name: c.name, timeMs: c.timeMs, ok: !bad, skipped: c.skipped !== undefined, message, text}
  })
}
