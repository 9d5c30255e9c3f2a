// Writes the snapshot of Ansible's module routing that Galley decides with before anything runs
// (src/provisioners/ansible/routing/<release>.ts): the modules ansible-core itself has, the short
// names its routing table (ansible/config/ansible_builtin_runtime.yml) sends to a collection or
// marks removed, and the collections (with their modules) of Debian's full `ansible` package.
//
// Usage: node scripts/ansible-routing.js RELEASE ANSIBLE_DEB [ANSIBLE_CORE_DEB]
//   node scripts/ansible-routing.js bookworm ansible_7.7.0+dfsg-3+deb12u1_all.deb ansible-core_2.14.18-0+deb12u2_all.deb
//   node scripts/ansible-routing.js bullseye ansible_2.10.7+merged+base+2.10.17+dfsg-0+deb11u1_all.deb
// (Debian 11 has no ansible-core package: its `ansible` package carries ansible-base too.)
// Get the packages of a release with `apt-get download ansible ansible-core` on that release.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parse} from 'yaml'

const [release, fullDeb, coreDeb] = process.argv.slice(2)
if (!release || !fullDeb) {
  console.error('usage: node scripts/ansible-routing.js RELEASE ANSIBLE_DEB [ANSIBLE_CORE_DEB]')
  process.exit(2)
}

const versionOf = (deb) => execFileSync('dpkg-deb', ['-f', deb, 'Version'], {encoding: 'utf8'}).trim()
const unpack = (deb) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'galley-routing-'))
  execFileSync('dpkg-deb', ['-x', deb, dir])
  return dir
}
const PY = 'usr/lib/python3/dist-packages'
const isDir = (p) => existsSync(p) && statSync(p).isDirectory()

/** Plugin names of a plugins folder: file names without .py/.ps1, nested folders (old collections) included. */
function pluginNames(dir) {
  const out = new Set()
  const walk = (d) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      if (e.isDirectory()) walk(path.join(d, e.name))
      else if (/\.(py|ps1)$/.test(e.name) && e.name !== '__init__.py') out.add(e.name.replace(/\.(py|ps1)$/, ''))
    }
  }
  if (isDir(dir)) walk(dir)
  return out
}

const dirs = []
try {
  const full = unpack(fullDeb)
  dirs.push(full)
  const core = coreDeb ? unpack(coreDeb) : full
  if (coreDeb) dirs.push(core)
  const ansibleDir = path.join(core, PY, 'ansible')
  const release_py = readFileSync(path.join(ansibleDir, 'release.py'), 'utf8')
  const coreVersion = /__version__ = '([^']+)'/.exec(release_py)[1]

  // ansible-core's own modules: modules/*.py (action-only ones have a stub there too).
  // A leading underscore marks a deprecated module (`_include.py`) that still answers to its name.
  const builtin = [...pluginNames(path.join(ansibleDir, 'modules'))].filter((n) => n !== 'async_wrapper').map((n) => n.replace(/^_/, '')).sort()
  const table = parse(readFileSync(path.join(ansibleDir, 'config', 'ansible_builtin_runtime.yml'), 'utf8'))
  // A task's action is found among action plugins too (2.19 routes `yum` that way), modules first.
  const routes = {...(table.plugin_routing?.action ?? {}), ...(table.plugin_routing?.modules ?? {})}
  const redirects = {}
  const renamed = {}
  const removed = []
  for (const [name, entry] of Object.entries(routes).sort(([a], [b]) => a.localeCompare(b))) {
    if (entry?.tombstone) removed.push(name)
    else if (entry?.redirect) {
      const target = String(entry.redirect)
      const parts = target.split('.')
      const collection = parts.slice(0, 2).join('.')
      if (parts.length === 3 && parts[2] === name) (redirects[collection] ??= []).push(name)
      else renamed[name] = target
    }
  }

  // The collections of Debian's `ansible` package, each with its modules (and the names its own
  // meta/runtime.yml routes, which resolve too).
  const collections = {}
  const root = path.join(full, PY, 'ansible_collections')
  for (const ns of readdirSync(root).sort()) {
    if (!isDir(path.join(root, ns))) continue
    for (const name of readdirSync(path.join(root, ns)).sort()) {
      const dir = path.join(root, ns, name)
      if (!isDir(dir)) continue
      const manifest = path.join(dir, 'MANIFEST.json')
      const version = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).collection_info?.version : undefined
      const modules = new Set([...pluginNames(path.join(dir, 'plugins', 'modules')), ...pluginNames(path.join(dir, 'plugins', 'action'))])
      const runtime = path.join(dir, 'meta', 'runtime.yml')
      if (existsSync(runtime)) {
        for (const [m, entry] of Object.entries(parse(readFileSync(runtime, 'utf8'))?.plugin_routing?.modules ?? {})) {
          if (!entry?.tombstone) modules.add(m)
        }
      }
      collections[`${ns}.${name}`] = {version: version ?? '', modules: [...modules].sort().join(' ')}
    }
  }

  const snapshot = {
    release,
    source: {ansible: versionOf(fullDeb), ...(coreDeb ? {'ansible-core': versionOf(coreDeb)} : {})},
    core: {package: coreDeb ? 'ansible-core' : 'ansible', version: coreVersion},
    builtin,
    redirects: Object.fromEntries(Object.entries(redirects).map(([c, names]) => [c, names.join(' ')])),
    renamed,
    removed: removed.join(' '),
    collections,
  }
  const out = fileURLToPath(new URL(`../src/provisioners/ansible/routing/${release}.ts`, import.meta.url))
  const sources = Object.entries(snapshot.source).map(([p, v]) => `${p} ${v}`).join(' and ')
  const text = [
    `// Generated by scripts/ansible-routing.js from Debian ${release}'s ${sources}: do not edit.`,
    '// The JSON is parsed only when a check needs it (../routing.ts).',
    `export const json = ${JSON.stringify(JSON.stringify(snapshot))}`,
    '',
  ].join('\n')
  writeFileSync(out, text)
  const modules = Object.values(collections).reduce((n, c) => n + c.modules.split(' ').length, 0)
  console.log(`${path.relative(process.cwd(), out)}: ansible-core ${coreVersion}, ${builtin.length} builtin modules, ${Object.keys(routes).length} routed names, ${Object.keys(collections).length} collections with ${modules} modules (${text.length} bytes)`)
} finally {
  for (const d of dirs) rmSync(d, {recursive: true, force: true})
}
