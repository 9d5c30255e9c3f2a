/**
 * A Puppetfile (r10k's and librarian-puppet's Ruby DSL), read for what Galley installs: `mod`
 * entries from the Forge (with a version), from git (with a tag, ref, branch or commit), and local
 * ones; `forge` and `moduledir` are noted and left to Galley.
 */

export interface PuppetfileMod {
  /** As written: `puppetlabs/stdlib`, `puppetlabs-apache`, `apache`. */
  name: string
  /** A Forge version, `latest` for `:latest`. */
  version?: string
  git?: {url: string; ref?: string}
  /** Kept in the moduledir by hand (`:local => true`). */
  local?: boolean
  line: number
}

export interface Puppetfile {
  mods: PuppetfileMod[]
  problems: {line: number; message: string}[]
}

/** `'x'`, `"x"`, `:sym`, true/false. */
function scalar(text: string): string | boolean | undefined {
  const t = text.trim()
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(t)
  if (quoted) return quoted[1] ?? quoted[2]
  if (t === 'true' || t === 'false') return t === 'true'
  if (/^:\w+$/.test(t)) return t.slice(1)
  return undefined
}

/** Splits on commas outside quotes. */
function args(text: string): string[] {
  const out: string[] = []
  let cur = ''
  let quote = ''
  for (const ch of text) {
    if (quote) {
      cur += ch
      if (ch === quote) quote = ''
    } else if (ch === "'" || ch === '"') {
      quote = ch
      cur += ch
    } else if (ch === ',') {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  if (cur.trim()) out.push(cur)
  return out.map((a) => a.trim())
}

/** Reads a Puppetfile's text. */
export function parsePuppetfile(text: string): Puppetfile {
  const out: Puppetfile = {mods: [], problems: []}
  // A statement continues on the next line after a trailing comma.
  const statements: {text: string; line: number}[] = []
  let open: {text: string; line: number} | undefined
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trimEnd()
    if (!line.trim()) return
    if (open) open.text += ' ' + line.trim()
    else open = {text: line.trim(), line: i + 1}
    if (!open.text.endsWith(',')) {
      statements.push(open)
      open = undefined
    }
  })
  if (open) statements.push(open)
  for (const s of statements) {
    const m = /^mod(?:\s+|\s*\()\s*(.*?)\)?$/.exec(s.text)
    if (!m) {
      if (!/^(forge|moduledir)\b/.test(s.text)) out.problems.push({line: s.line, message: `\`${s.text.split(/\s/)[0]}\` is not read by Galley (only mod, forge and moduledir)`})
      continue
    }
    const [first, ...rest] = args(m[1])
    const name = scalar(first ?? '')
    if (typeof name !== 'string' || !name) {
      out.problems.push({line: s.line, message: 'a mod entry without a name'})
      continue
    }
    const mod: PuppetfileMod = {name, line: s.line}
    const opts: Record<string, string | boolean> = {}
    for (const a of rest) {
      const pair = /^(?::(\w+)\s*=>|(\w+):)\s*(.+)$/.exec(a)
      const value = scalar(pair ? pair[3] : a)
      if (pair && value !== undefined) opts[pair[1] ?? pair[2]] = value
      else if (!pair && typeof value === 'string') mod.version = value
      else out.problems.push({line: s.line, message: `mod '${name}': \`${a}\` is not read by Galley`})
    }
    const git = opts.git ?? (opts.type === 'git' ? opts.source : undefined)
    if (typeof git === 'string') {
      const ref = [opts.tag, opts.ref, opts.branch, opts.commit, opts.type === 'git' ? opts.version : undefined].find((r) => typeof r === 'string') as string | undefined
      mod.git = {url: git, ...(ref ? {ref} : {})}
    } else if (opts.local === true) mod.local = true
    else if (typeof opts.version === 'string') mod.version = opts.version
    if (opts.svn !== undefined) out.problems.push({line: s.line, message: `mod '${name}': Subversion sources are not supported`})
    else out.mods.push(mod)
  }
  return out
}
