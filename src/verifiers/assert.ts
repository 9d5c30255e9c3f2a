/**
 * The built-in `assert` verifier: declarative checks of files, packages, services, users, ports,
 * processes, commands, HTTP and more, that need nothing installed in the image. Each batch of
 * checks is one shell script run through the driver's exec; the script only reports facts (what it
 * reads in /proc, /etc and the package database), and this module compares them with what
 * galley.yml expects, so every failure says what was expected and what was found.
 */
import {randomBytes} from 'node:crypto'
import {parseMode} from '../config/schema.js'
import type {Assertion} from '../config/types.js'
import type {TaskResult} from '../lifecycle/events.js'
import {expectedTexts, quote, textMatches} from './text.js'
import type {VerifyContext} from './verifier.js'

const MAX_BYTES = 1 << 20
const RETRY_INTERVAL_MS = 1000

/** A string as one single-quoted shell word. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** What the probe of one assertion reported, by fact name. */
export type Facts = Map<string, string>

export interface Verdict {
  ok: boolean
  /** The mismatches, `expected …, got …`, joined by `; `. */
  message?: string
  /** More to read in the report: a command's output, a page's start. */
  detail?: string
}

export function assertionNames(assertions: Assertion[]): string[] {
  return assertions.map((a) => a.name)
}

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

/** The shell that prints the facts assertion `a` (number `i` in its batch) is judged on. */
export function probe(a: Assertion, i: number): string {
  const t = shellQuote(a.target)
  const f = (key: string) => `fact ${i} ${key}`
  switch (a.kind) {
    case 'file':
    case 'directory':
      return [
        `p=${t}`,
        `${f('type')}; if [ -d "$p" ]; then printf directory; elif [ -f "$p" ]; then printf file; elif [ -e "$p" ]; then printf other; elif [ -L "$p" ]; then printf broken-link; else printf missing; fi`,
        `if [ -e "$p" ]; then ${f('stat')}; stat -L -c '%a %u %g %U %G' "$p" 2>&1; fi`,
        a.expect.contains !== undefined ? `if [ -f "$p" ] && [ -r "$p" ]; then ${f('content')}; head -c ${MAX_BYTES} "$p"; fi` : '',
      ].join('\n')
    case 'package':
      return [
        `n=${t}`,
        `if [ -f /var/lib/dpkg/status ]; then ${f('db')}; printf dpkg; ${f('pkg')}; awk -v p="$n" '/^Package: /{on=($2==p)} on && /^(Package|Status|Version): /{print} /^$/{on=0}' /var/lib/dpkg/status`,
        `elif [ -f /lib/apk/db/installed ]; then ${f('db')}; printf apk; ${f('pkg')}; awk -v p="$n" '/^P:/{on=(substr($0,3)==p); if(on) print "Package: " p; if(on) print "Status: install ok installed"} on && /^V:/{print "Version: " substr($0,3)} /^$/{on=0}' /lib/apk/db/installed`,
        `elif [ -d /var/lib/rpm ] && command -v rpm >/dev/null 2>&1; then ${f('db')}; printf rpm; ${f('pkg')}; rpm -q --qf 'Package: %{NAME}\\nStatus: install ok installed\\nVersion: %{VERSION}-%{RELEASE}\\n' "$n" 2>/dev/null`,
        `else ${f('db')}; printf none; fi`,
      ].join('\n')
    case 'service': {
      const base = shellQuote(a.target.replace(/\.service$/, ''))
      return [
        `s=${base}`,
        `${f('init')}; read -r c 2>/dev/null </proc/1/comm; printf %s "$c"`,
        `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then ${f('systemd')}; systemctl is-active "$s" 2>&1; fi`,
        `if [ -x "/etc/init.d/$s" ]; then ${f('initd')}; "/etc/init.d/$s" status >/dev/null 2>&1 </dev/null; printf %s $?; fi`,
      ].join('\n')
    }
    case 'user':
    case 'group':
    case 'port':
    case 'process':
    case 'mount':
      // Judged on shared facts alone.
      return ''
    case 'command':
      return [
        `${f('status')}; sh -c ${t} >"$T/o${i}" 2>"$T/e${i}" </dev/null; printf %s $?`,
        `${f('stdout')}; head -c ${MAX_BYTES} "$T/o${i}"; ${f('stderr')}; head -c ${MAX_BYTES} "$T/e${i}"`,
      ].join('\n')
    case 'http':
      return httpProbe(a.target, i)
    case 'kernel-param': {
      const file = '/proc/sys/' + (a.target.includes('/') ? a.target.replace(/^\/proc\/sys\//, '') : a.target.replace(/\./g, '/'))
      return `if [ -r ${shellQuote(file)} ]; then ${f('value')}; cat ${shellQuote(file)}; fi`
    }
  }
}

/** Facts many assertions are judged on, read once per batch: the shell that prints each. */
const SHARED = {
  passwd: 'fact S passwd; cat /etc/passwd 2>/dev/null',
  group: 'fact S group; cat /etc/group 2>/dev/null',
  tcp: 'fact S tcp; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null',
  udp: 'fact S udp; cat /proc/net/udp /proc/net/udp6 2>/dev/null',
  procs: 'procs S',
  mounts: 'fact S mounts; cat /proc/mounts',
}

function sharedFacts(a: Assertion): (keyof typeof SHARED)[] {
  switch (a.kind) {
    case 'user':
    case 'group':
      return ['passwd', 'group']
    case 'port':
      return [a.expect.protocol === 'udp' ? 'udp' : 'tcp']
    case 'process':
      return ['procs', 'passwd']
    case 'service':
      return ['procs']
    case 'mount':
      return ['mounts']
    default:
      return []
  }
}

/**
 * curl, else wget (busybox has one; its own -T timeout crashes the static build, so `timeout`
 * bounds it), else a plain HTTP/1.0 request through bash's /dev/tcp (Debian minbase has bash). */
function httpProbe(url: string, i: number): string {
  const u = new URL(url)
  const port = u.port || (u.protocol === 'https:' ? '443' : '80')
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  const raw = `exec 3<>"/dev/tcp/$1/$2" || exit 7; printf 'GET %s HTTP/1.0\\r\\nHost: %s\\r\\nUser-Agent: galley\\r\\nConnection: close\\r\\n\\r\\n' "$3" "$4" >&3; cat <&3`
  const f = (key: string) => `fact ${i} ${key}`
  return [
    `u=${shellQuote(url)}; to=; command -v timeout >/dev/null 2>&1 && to='timeout 10'`,
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

/** The probe script for a batch of assertions, and the marker its facts are framed with. */
export function batchScript(assertions: Assertion[]): {script: string; marker: string} {
  const marker = `@@galley-${randomBytes(6).toString('hex')}`
  const shared = [...new Set(assertions.flatMap(sharedFacts))].map((key) => SHARED[key])
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

// ----- judging facts -----

const isId = (v: unknown) => typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v))
const wants = (a: Assertion, key: string, fallback: boolean) => (a.expect[key] === undefined ? fallback : Boolean(a.expect[key]))
const verdict = (problems: string[], detail?: string): Verdict => (problems.length ? {ok: false, message: problems.join('; '), detail} : {ok: true, detail})

/** Judges one assertion on the facts its probe reported. */
export function judge(a: Assertion, facts: Facts = new Map()): Verdict {
  switch (a.kind) {
    case 'file':
    case 'directory':
      return judgePath(a, facts)
    case 'package':
      return judgePackage(a, facts)
    case 'service':
      return judgeService(a, facts)
    case 'user':
      return judgeUser(a, facts)
    case 'group':
      return judgeGroup(a, facts)
    case 'port':
      return judgePort(a, facts)
    case 'process':
      return judgeProcess(a, facts)
    case 'command':
      return judgeCommand(a, facts)
    case 'http':
      return judgeHttp(a, facts)
    case 'kernel-param':
      return judgeKernelParam(a, facts)
    case 'mount':
      return judgeMount(a, facts)
  }
}

function judgePath(a: Assertion, facts: Facts): Verdict {
  const type = facts.get('type') ?? 'missing'
  const exists = type !== 'missing' && type !== 'broken-link'
  if (!wants(a, 'exists', true)) return verdict(exists ? [`expected ${a.target} not to exist, got a ${type === 'other' ? 'special file' : type}`] : [])
  if (!exists) return verdict([`expected ${a.kind} ${a.target} to exist, got ${type === 'broken-link' ? 'a broken symbolic link' : 'no such file or directory'}`])
  if (type !== a.kind) return verdict([`expected a ${a.kind}, got a ${type === 'other' ? 'special file' : type}`])
  const problems: string[] = []
  const [mode, uid, gid, user, group] = (facts.get('stat') ?? '').trim().split(/\s+/)
  if (a.expect.mode !== undefined) {
    const want = parseMode(a.expect.mode)
    const got = /^[0-7]+$/.test(mode ?? '') ? mode.padStart(4, '0') : undefined
    if (want !== got) problems.push(`expected mode ${want}, got ${got ?? `no mode (stat said ${quote(facts.get('stat') ?? '')})`}`)
  }
  for (const [key, id, name] of [['owner', uid, user], ['group', gid, group]] as const) {
    const want = a.expect[key]
    if (want === undefined) continue
    const matches = isId(want) ? String(want) === id : String(want) === name
    if (!matches) problems.push(`expected ${key} ${want}, got ${name && name !== 'UNKNOWN' ? `${name} (${id})` : (id ?? 'unknown')}`)
  }
  const content = facts.get('content')
  for (const want of expectedTexts(a.expect.contains)) {
    if (content === undefined) problems.push(`expected content ${describeText(want)}, got an unreadable file`)
    else if (!textMatches(content, want)) problems.push(`expected content ${describeText(want)}, got ${content === '' ? 'an empty file' : quote(content)}`)
  }
  return verdict(problems)
}

function describeText(want: string): string {
  return /^\/.+\/$/s.test(want) ? `matching ${want}` : `containing ${JSON.stringify(want)}`
}

function judgePackage(a: Assertion, facts: Facts): Verdict {
  const db = facts.get('db') ?? 'none'
  if (db === 'none') return verdict([`expected package ${a.target} ${wants(a, 'installed', true) ? 'installed' : 'absent'}, got no package database (dpkg, apk or rpm) in the instance`])
  const stanzas = (facts.get('pkg') ?? '').split(/\n(?=Package: )/).map((s) => Object.fromEntries(s.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])))
  const installed = stanzas.find((s) => /\binstalled$/.test(s.Status ?? '') && !/not-installed/.test(s.Status ?? ''))
  const other = stanzas.find((s) => s.Status)
  if (!wants(a, 'installed', true)) return verdict(installed ? [`expected package ${a.target} not installed, got version ${installed.Version} installed`] : [])
  if (!installed) return verdict([`expected package ${a.target} installed, got ${other ? `status ${quote(other.Status)}` : `no package ${a.target} in the ${db} database`}`])
  const want = a.expect.version === undefined ? undefined : String(a.expect.version)
  if (want !== undefined) {
    const ok = want.endsWith('*') ? installed.Version.startsWith(want.slice(0, -1)) : installed.Version === want
    if (!ok) return verdict([`expected version ${want}, got ${installed.Version}`])
  }
  return verdict([])
}

interface Proc {
  pid: string
  uid: string
  comm: string
  cmdline: string
}

export function parseProcs(text: string | undefined): Proc[] {
  return (text ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, uid, comm, ...rest] = line.split('\t')
      return {pid, uid, comm, cmdline: rest.join('\t').trim()}
    })
}

/** A name matches a process's command (comm, truncated by the kernel to 15 bytes) or argv[0]'s basename; /regex/ matches its command line. */
function matchesProcess(target: string, p: Proc): boolean {
  const re = /^\/(.+)\/$/.exec(target)
  if (re) return new RegExp(re[1]).test(p.cmdline || p.comm)
  const argv0 = (p.cmdline.split(' ')[0] ?? '').split('/').pop()
  return p.comm === target || p.comm === target.slice(0, 15) || argv0 === target
}

function judgeService(a: Assertion, facts: Facts): Verdict {
  const name = a.target.replace(/\.service$/, '')
  let running: boolean
  let how: string
  const systemd = facts.get('systemd')?.trim()
  const initd = facts.get('initd')
  const procs = parseProcs(facts.get('procs')).filter((p) => matchesProcess(name, p))
  if (systemd !== undefined) {
    running = systemd === 'active'
    how = `systemctl is-active says ${systemd}`
  } else if (initd === '0' || procs.length > 0) {
    running = true
    how = procs.length > 0 ? `running as pid ${procs.map((p) => p.pid).join(', ')}` : `/etc/init.d/${name} status says running`
  } else {
    running = false
    how = `no process named ${name}` + (initd !== undefined ? `; /etc/init.d/${name} status exited with ${initd}` : '') + `; PID 1 is ${facts.get('init') || 'unknown'}, not systemd`
  }
  const want = wants(a, 'running', true)
  if (want === running) return verdict([])
  return verdict([`expected service ${name} ${want ? 'running' : 'stopped'}, got ${running ? 'running' : 'stopped'} (${how})`])
}

const parseDb = (text: string | undefined) => (text ?? '').split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'))

function judgeUser(a: Assertion, facts: Facts): Verdict {
  const entry = parseDb(facts.get('passwd')).find((f) => f[0] === a.target)
  if (!wants(a, 'exists', true)) return verdict(entry ? [`expected no user ${a.target}, got uid ${entry[2]}`] : [])
  if (!entry) return verdict([`expected user ${a.target} to exist, got no such user in /etc/passwd`])
  const [, , uid, gid, , home, shell] = entry
  const problems: string[] = []
  const check = (key: string, got: string) => {
    if (a.expect[key] !== undefined && String(a.expect[key]) !== got) problems.push(`expected ${key} ${a.expect[key]}, got ${got}`)
  }
  check('uid', uid)
  check('gid', gid)
  check('home', home)
  check('shell', shell)
  const groups = parseDb(facts.get('group'))
  const memberOf = groups.filter((g) => g[2] === gid || (g[3] ?? '').split(',').includes(a.target)).map((g) => g[0])
  for (const want of expectedTexts(a.expect.groups)) {
    if (!memberOf.includes(want)) problems.push(`expected user ${a.target} in group ${want}, got groups ${memberOf.join(', ') || 'none'}`)
  }
  return verdict(problems)
}

function judgeGroup(a: Assertion, facts: Facts): Verdict {
  const entry = parseDb(facts.get('group')).find((f) => f[0] === a.target)
  if (!wants(a, 'exists', true)) return verdict(entry ? [`expected no group ${a.target}, got gid ${entry[2]}`] : [])
  if (!entry) return verdict([`expected group ${a.target} to exist, got no such group in /etc/group`])
  const problems: string[] = []
  if (a.expect.gid !== undefined && String(a.expect.gid) !== entry[2]) problems.push(`expected gid ${a.expect.gid}, got ${entry[2]}`)
  const users = parseDb(facts.get('passwd'))
  const members = [...new Set([...(entry[3] ?? '').split(',').filter(Boolean), ...users.filter((u) => u[3] === entry[2]).map((u) => u[0])])]
  for (const want of expectedTexts(a.expect.members)) {
    if (!members.includes(want)) problems.push(`expected member ${want}, got members ${members.join(', ') || 'none'}`)
  }
  return verdict(problems)
}

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

function judgePort(a: Assertion, facts: Facts): Verdict {
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

function judgeProcess(a: Assertion, facts: Facts): Verdict {
  const matching = parseProcs(facts.get('procs')).filter((p) => matchesProcess(a.target, p))
  const users = new Map(parseDb(facts.get('passwd')).map((u) => [u[2], u[0]]))
  const describe = (p: Proc) => `pid ${p.pid} ${quote(p.cmdline || p.comm, 40)}`
  if (!wants(a, 'running', true)) return verdict(matching.length ? [`expected no process ${a.target}, got ${matching.map(describe).join(', ')}`] : [])
  if (matching.length === 0) return verdict([`expected process ${a.target} running, got no such process`])
  const want = a.expect.user
  if (want !== undefined) {
    const ok = matching.some((p) => (isId(want) ? String(want) === p.uid : users.get(p.uid) === String(want)))
    if (!ok) return verdict([`expected process ${a.target} running as ${want}, got ${[...new Set(matching.map((p) => users.get(p.uid) ?? p.uid))].join(', ')}`])
  }
  return verdict([])
}

function judgeCommand(a: Assertion, facts: Facts): Verdict {
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

function judgeHttp(a: Assertion, facts: Facts): Verdict {
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

function judgeKernelParam(a: Assertion, facts: Facts): Verdict {
  const value = facts.get('value')
  if (value === undefined) return verdict([`expected kernel parameter ${a.target}${a.expect.value !== undefined ? ` = ${a.expect.value}` : ''}, got no such parameter under /proc/sys`])
  if (a.expect.value === undefined) return verdict([])
  const norm = (v: unknown) => String(v).trim().split(/\s+/).join(' ')
  const want = typeof a.expect.value === 'boolean' ? (a.expect.value ? '1' : '0') : norm(a.expect.value)
  return verdict(norm(value) === want ? [] : [`expected value ${want}, got ${norm(value) || 'an empty value'}`])
}

const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))

function judgeMount(a: Assertion, facts: Facts): Verdict {
  const target = a.target.length > 1 ? a.target.replace(/\/+$/, '') : a.target
  const entries = (facts.get('mounts') ?? '').split('\n').filter(Boolean).map((l) => l.split(' ').map(unescapeMount))
  const entry = entries.filter((e) => e[1] === target).pop()
  if (!wants(a, 'mounted', true)) return verdict(entry ? [`expected nothing mounted on ${target}, got ${entry[2]} from ${entry[0]}`] : [])
  if (!entry) return verdict([`expected a mount on ${target}, got none`])
  const [source, , type, options] = entry
  const problems: string[] = []
  if (a.expect.type !== undefined && String(a.expect.type) !== type) problems.push(`expected type ${a.expect.type}, got ${type}`)
  if (a.expect.source !== undefined && String(a.expect.source) !== source) problems.push(`expected source ${a.expect.source}, got ${source}`)
  const have = (options ?? '').split(',')
  const missing = expectedTexts(a.expect.options).filter((o) => !have.includes(o))
  if (missing.length) problems.push(`expected options ${missing.join(',')}, got ${options}`)
  return verdict(problems)
}

// ----- running -----

/** Runs one probe script for `batch` and judges each assertion on its facts. */
async function checkBatch(batch: Assertion[], ctx: VerifyContext): Promise<Verdict[]> {
  const {script, marker} = batchScript(batch)
  const r = await ctx.exec(['/bin/sh', '-c', script])
  const facts = parseFacts(r.stdout, marker)
  return batch.map((a, i) => {
    if (!facts[i]) return {ok: false, message: `could not check: the probe script exited with ${r.exitCode} before reaching this assertion`, detail: r.stderr.slice(-2000)}
    try {
      return judge(a, facts[i])
    } catch (error) {
      return {ok: false, message: `could not judge the facts found: ${(error as Error).message}`}
    }
  })
}

/**
 * Checks every assertion, batched into one exec; those that fail and have `retry:` or `timeout:`
 * are checked again, a second apart, until they pass or run out of tries or time. Results are
 * reported in the order galley.yml lists the assertions, each as soon as those before it are done.
 */
export async function runAssertions(assertions: Assertion[], ctx: VerifyContext): Promise<TaskResult[]> {
  const results: (TaskResult | undefined)[] = assertions.map(() => undefined)
  let reported = 0
  const report = () => {
    for (; reported < results.length && results[reported]; reported++) {
      const result = results[reported]!
      ctx.start(result.name, reported, assertions.length)
      if (!result.ok) ctx.output(result.name, `${result.outputTail}\n`)
      ctx.end(result)
    }
  }
  const started = performance.now()
  let pending = assertions.map((a, index) => ({a, index, tries: 0}))
  while (pending.length > 0 && !ctx.signal.aborted) {
    const batchStart = performance.now()
    const verdicts = await checkBatch(
      pending.map((p) => p.a),
      ctx,
    )
    const batchMs = performance.now() - batchStart
    const next: typeof pending = []
    pending.forEach((p, k) => {
      const v = verdicts[k]
      p.tries++
      const elapsed = performance.now() - started
      const triesLeft = p.tries <= p.a.retry
      const timeLeft = p.a.timeoutMs !== undefined && elapsed + RETRY_INTERVAL_MS < p.a.timeoutMs
      const canRetry = p.a.timeoutMs !== undefined && p.a.retry > 0 ? triesLeft && timeLeft : triesLeft || timeLeft
      if (!v.ok && canRetry) {
        if (p.tries === 1) ctx.note(`${p.a.name}: ${v.message}; checking again` + (p.a.timeoutMs !== undefined ? ` for up to ${p.a.timeoutMs / 1000}s` : ` up to ${p.a.retry} times`))
        next.push(p)
        return
      }
      results[p.index] = {
        kind: 'test',
        name: p.a.name,
        ok: v.ok,
        exitCode: v.ok ? 0 : 1,
        expected: 0,
        // The first batch checks all at once: each gets its share of the time; a retried one, its wait.
        durationMs: p.tries === 1 ? batchMs / pending.length : elapsed,
        ...(p.a.source ? {source: p.a.source} : {}),
        outputTail: [v.message, p.tries > 1 ? `(checked ${p.tries} times over ${(elapsed / 1000).toFixed(1)}s)` : '', v.ok ? '' : v.detail].filter(Boolean).join('\n'),
        message: v.message,
      }
    })
    report()
    pending = next
    if (pending.length > 0) await ctx.sleep(RETRY_INTERVAL_MS)
  }
  return results.filter((r): r is TaskResult => r !== undefined)
}
