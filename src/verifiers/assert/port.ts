/** `port:` — something listening on it (TCP or UDP), on an address when asked, from /proc/net. */
import type {Assertion} from '../../config/types.js'
import {bool, defineAssertKind, str, verdict, wants, type Facts} from './kind.js'

/** An address from /proc/net/{tcp,udp}{,6}: hex in the kernel's (here little-endian) word order. */
export function decodeAddress(hex: string): string {
  const bytes = (word: string) => word.match(/../g)!.reverse()
  if (hex.length === 8) return bytes(hex).map((b) => parseInt(b, 16)).join('.')
  const all = hex.match(/.{8}/g)!.flatMap(bytes)
  const groups = Array.from({length: 8}, (_, k) => all[2 * k] + all[2 * k + 1])
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)
}

function canonicalAddress(address: string): string {
  const bare = address.replace(/^\[(.*)\]$/, '$1')
  return bare.includes(':') ? new URL(`http://[${bare}]/`).hostname.slice(1, -1) : bare
}

export interface Socket {
  address: string
  port: number
  listening: boolean
}

export function parseSockets(text: string | undefined, protocol: 'tcp' | 'udp'): Socket[] {
  const out: Socket[] = []
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*\d+:\s+([0-9A-Fa-f]+):([0-9A-Fa-f]{4})\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{4}\s+([0-9A-Fa-f]{2})/.exec(line)
    if (!m) continue
    // TCP_LISTEN is 0A; an unconnected UDP socket (TCP_CLOSE, 07) is one that receives on its port.
    out.push({address: decodeAddress(m[1]), port: parseInt(m[2], 16), listening: m[3].toUpperCase() === (protocol === 'tcp' ? '0A' : '07')})
  }
  return out
}

function judge(a: Assertion, facts: Facts) {
  const protocol = a.expect.protocol === 'udp' ? 'udp' : 'tcp'
  const port = Number(a.target)
  const all = parseSockets(facts.get(protocol), protocol).filter((s) => s.listening)
  const on = all.filter((s) => s.port === port)
  const label = `${port}/${protocol}`
  const addresses = [...new Set(on.map((s) => s.address))].join(', ')
  if (!wants(a, 'listening', true)) return verdict(on.length ? [`expected port ${label} not listening, got listening on ${addresses}`] : [])
  if (on.length === 0) {
    const others = [...new Set(all.map((s) => s.port))].sort((x, y) => x - y)
    return verdict([`expected port ${label} listening, got nothing listening on it` + (others.length ? ` (listening: ${others.join(', ')})` : '')])
  }
  if (a.expect.address !== undefined) {
    const want = canonicalAddress(String(a.expect.address))
    if (!on.some((s) => s.address === want)) return verdict([`expected port ${label} listening on ${want}, got ${addresses}`])
  }
  return verdict([])
}

export const port = defineAssertKind({
  kind: 'port',
  target: {kind: 'int', min: 1, max: 65535},
  matchers: {listening: bool, protocol: {kind: 'enum', values: ['tcp', 'udp']}, address: str},
  shared: (a) => [a.expect.protocol === 'udp' ? 'udp' : 'tcp'],
  judge,
})
