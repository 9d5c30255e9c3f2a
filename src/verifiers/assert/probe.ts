/**
 * One shell script per batch of assertions: it only reports facts (what it reads in /proc, /etc
 * and the package database), framed by a random marker, and each kind's judge compares them with
 * what galley.yml expects.
 */
import {randomBytes} from 'node:crypto'
import type {Assertion} from '../../config/types.js'
import {assertKind} from './index.js'
import type {Facts, SharedFact} from './kind.js'

/** Shell functions every probe script starts with. `fact N KEY` starts the value of a fact. */
function prelude(marker: string): string {
  return `M='${marker}'
T=$(mktemp -d 2>/dev/null) || { T=/tmp/galley-assert.$$; mkdir -p "$T"; }
trap 'rm -rf "$T"' EXIT
fact() { printf '\\n%s %s %s\\n' "$M" "$1" "$2"; }
procs() {
  fact "$1" procs
  for d in /proc/[0-9]*; do
    p=\${d#/proc/}; pp=; u=
    [ "$p" = "$$" ] && continue
    while read -r k v _; do case $k in PPid:) pp=$v ;; Uid:) u=$v; break ;; esac; done 2>/dev/null <"$d/status" || continue
    [ "$pp" = "$$" ] && continue
    read -r c 2>/dev/null <"$d/comm" || continue
    a=$(tr '\\000' ' ' 2>/dev/null <"$d/cmdline")
    printf '%s\\t%s\\t%s\\t%s\\n' "$p" "$u" "$c" "$a"
  done
}
`
}

/** The shell that prints each shared fact. */
const SHARED: Record<SharedFact, string> = {
  passwd: 'fact S passwd; cat /etc/passwd 2>/dev/null',
  group: 'fact S group; cat /etc/group 2>/dev/null',
  tcp: 'fact S tcp; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null',
  udp: 'fact S udp; cat /proc/net/udp /proc/net/udp6 2>/dev/null',
  procs: 'procs S',
  mounts: 'fact S mounts; cat /proc/mounts',
}

/** The shell that prints the facts assertion `a` (number `i` in its batch) is judged on. */
export function probe(a: Assertion, i: number): string {
  return assertKind(a.kind)?.probe?.(a, (key) => `fact ${i} ${key}`, i) ?? ''
}

/** The probe script for a batch of assertions, and the marker its facts are framed with. */
export function batchScript(assertions: Assertion[]): {script: string; marker: string} {
  const marker = `@@galley-${randomBytes(6).toString('hex')}`
  const shared = [...new Set(assertions.flatMap((a) => assertKind(a.kind)?.shared?.(a) ?? []))].map((key) => SHARED[key])
  // `probe` marks each assertion as reached, so one whose facts are all absent is still judged.
  const own = assertions.map((a, i) => `fact ${i} probe\n${probe(a, i)}`)
  return {script: prelude(marker) + [...shared, ...own].join('\n') + '\nexit 0\n', marker}
}

/**
 * Splits a probe script's output into each assertion's facts, the shared ones included; an
 * assertion the script never reached has none.
 */
export function parseFacts(output: string, marker: string): Facts[] {
  const own: Facts[] = []
  const shared: Facts = new Map()
  const re = new RegExp(`\\n${marker} (\\d+|S) ([\\w-]+)\\n`, 'g')
  const heads = [...output.matchAll(re)]
  heads.forEach((m, k) => {
    const end = k + 1 < heads.length ? heads[k + 1].index! : output.length
    const facts = m[1] === 'S' ? shared : (own[Number(m[1])] ??= new Map())
    facts.set(m[2], output.slice(m.index! + m[0].length, end))
  })
  return own.map((facts) => facts && new Map([...shared, ...facts]))
}
