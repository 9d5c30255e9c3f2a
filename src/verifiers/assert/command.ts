/** `command:` — its exit status and what it prints. */
import type {Assertion} from '../../config/types.js'
import {expectedTexts, quote, textMatches} from '../text.js'
import {defineAssertKind, describeText, MAX_BYTES, shellQuote, str, texts, verdict, type Facts} from './kind.js'

function probe(a: Assertion, f: (key: string) => string, i: number): string {
  return [
    `${f('status')}; sh -c ${shellQuote(a.target)} >"$T/o${i}" 2>"$T/e${i}" </dev/null; printf %s $?`,
    `${f('stdout')}; head -c ${MAX_BYTES} "$T/o${i}"; ${f('stderr')}; head -c ${MAX_BYTES} "$T/e${i}"`,
  ].join('\n')
}

function judge(a: Assertion, facts: Facts) {
  const status = facts.get('status')
  const stdout = facts.get('stdout') ?? ''
  const stderr = facts.get('stderr') ?? ''
  const detail = [stdout && `stdout:\n${stdout.trimEnd()}`, stderr && `stderr:\n${stderr.trimEnd()}`].filter(Boolean).join('\n')
  const problems: string[] = []
  const want = Number(a.expect.exit_status ?? 0)
  if (String(want) !== status) problems.push(`expected exit status ${want}, got ${status ?? 'none (the command did not run)'}`)
  for (const [key, text] of [['stdout', stdout], ['stderr', stderr]] as const) {
    for (const w of expectedTexts(a.expect[key])) {
      if (!textMatches(text, w)) problems.push(`expected ${key} ${describeText(w)}, got ${text === '' ? 'nothing' : quote(text)}`)
    }
  }
  return verdict(problems, detail)
}

export const command = defineAssertKind({kind: 'command', target: str, matchers: {exit_status: {kind: 'int', min: 0}, stdout: texts, stderr: texts}, probe, judge})
