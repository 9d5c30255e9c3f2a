/** `http:` — a request from inside the instance: its status, body and headers. */
import type {Assertion} from '../../config/types.js'
import {expectedTexts, quote, textMatches} from '../text.js'
import {defineAssertKind, describeText, MAX_BYTES, shellQuote, texts, verdict, type Facts} from './kind.js'

/**
 * curl, else wget (busybox has one; its own -T timeout crashes the static build, so `timeout`
 * bounds it), else a plain HTTP/1.0 request through bash's /dev/tcp (Debian minbase has bash). */
function probe(a: Assertion, f: (key: string) => string, i: number): string {
  const u = new URL(a.target)
  const port = u.port || (u.protocol === 'https:' ? '443' : '80')
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  const raw = `exec 3<>"/dev/tcp/$1/$2" || exit 7; printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\nUser-Agent: galley\\r\\nConnection: close\\r\\n\\r\\n' "$3" "$4" >&3; cat <&3`
  return [
    `u=${shellQuote(a.target)}; to=; command -v timeout >/dev/null 2>&1 && to='timeout 10'`,
    `if command -v curl >/dev/null 2>&1; then ${f('via')}; printf curl; curl -sS -L -m 10 -D "$T/h${i}" -o "$T/b${i}" "$u" 2>"$T/x${i}"`,
    `elif command -v wget >/dev/null 2>&1; then ${f('via')}; printf wget; $to wget -S -O "$T/b${i}" "$u" 2>"$T/h${i}"; cp "$T/h${i}" "$T/x${i}"`,
    u.protocol === 'http:'
      ? `elif command -v bash >/dev/null 2>&1; then ${f('via')}; printf bash; $to bash -c ${shellQuote(raw)} galley ${shellQuote(host)} ${port} ${shellQuote(u.pathname + u.search)} ${shellQuote(u.host)} >"$T/r${i}" 2>"$T/x${i}"; ${f('raw')}; head -c ${MAX_BYTES} "$T/r${i}"`
      : '',
    `else ${f('via')}; printf none; fi`,
    `if [ -f "$T/h${i}" ]; then ${f('head')}; cat "$T/h${i}"; fi`,
    `if [ -f "$T/b${i}" ]; then ${f('body')}; head -c ${MAX_BYTES} "$T/b${i}"; fi`,
    `if [ -s "$T/x${i}" ]; then ${f('error')}; tail -c 2000 "$T/x${i}"; fi`,
  ].join('\n')
}

/** The last response's status and headers, from curl's -D file, wget's -S output or a raw response. */
export function parseHttpHead(text: string): {status?: number; headers: Map<string, string>} {
  const lines = text.split(/\r?\n/)
  let start = -1
  lines.forEach((l, k) => {
    if (/^\s*HTTP\/[\d.]+\s+\d{3}/.test(l)) start = k
  })
  const headers = new Map<string, string>()
  if (start < 0) return {headers}
  const status = Number(/HTTP\/[\d.]+\s+(\d{3})/.exec(lines[start])![1])
  // wget -S indents the response it shows; its own messages that follow are not indented.
  const indent = /^\s*/.exec(lines[start])![0]
  for (const l of lines.slice(start + 1)) {
    const m = /^(\s*)([A-Za-z0-9-]+):\s?(.*)$/.exec(l)
    if (!m || m[1] !== indent) break
    headers.set(m[2].toLowerCase(), m[3].trim())
  }
  return {status, headers}
}

function judge(a: Assertion, facts: Facts) {
  const want = Number(a.expect.status ?? 200)
  const via = facts.get('via') ?? 'none'
  if (via === 'none') {
    const why = a.target.startsWith('https:') ? 'no curl or wget in the instance for an https URL' : 'no curl, wget or bash in the instance'
    return verdict([`expected status ${want}, got no request made: ${why}`])
  }
  let head = facts.get('head') ?? ''
  let body = facts.get('body') ?? ''
  const raw = facts.get('raw')
  if (raw !== undefined) {
    const split = raw.search(/\r?\n\r?\n/)
    head = split < 0 ? raw : raw.slice(0, split)
    body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '')
  }
  const {status, headers} = parseHttpHead(head)
  const error = (facts.get('error') ?? '')
    .trim()
    .split('\n')
    .filter((l) => !/^\s/.test(l) && l.trim())
    .pop()
    ?.replace(/^bash: galley: line \d+: /, '')
  const detail = body ? `body (${via}):\n${body.slice(0, 2000)}` : undefined
  if (status === undefined) return verdict([`expected status ${want}, got no response (${via}: ${error || 'no output'})`], detail)
  const problems: string[] = []
  if (status !== want) problems.push(`expected status ${want}, got ${status}`)
  for (const w of expectedTexts(a.expect.body)) {
    if (!textMatches(body, w)) problems.push(`expected body ${describeText(w)}, got ${body === '' ? 'an empty body' : quote(body)}`)
  }
  for (const [name, value] of Object.entries((a.expect.headers as Record<string, unknown> | undefined) ?? {})) {
    const got = headers.get(name.toLowerCase())
    if (got === undefined || !textMatches(got, String(value))) problems.push(`expected header ${name} ${describeText(String(value))}, got ${got === undefined ? 'no such header' : quote(got)}`)
  }
  return verdict(problems, detail)
}

export const http = defineAssertKind({
  kind: 'http',
  target: {kind: 'string', pattern: /^https?:\/\/[^/\s]+/, what: 'a URL starting with http:// or https://'},
  matchers: {status: {kind: 'int', min: 100}, body: texts, headers: {kind: 'env', keys: /^[A-Za-z0-9-]+$/}},
  probe,
  judge,
})
