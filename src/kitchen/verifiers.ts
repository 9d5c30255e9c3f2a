/**
 * Test Kitchen's verifiers: the shell verifier's command becomes a test; busser's bats tests become
 * the bats verifier; InSpec, which Galley cannot run, is reported with the controls to port.
 */
import {readdirSync, statSync} from 'node:fs'
import path from 'node:path'
import type {Importer} from './importer.js'
import type {Block} from './layers.js'
import {isObject, type PluginInput, type Raw, type VerifierMapper} from './mapper.js'

function mapShell({context: imp, block: v}: PluginInput): Raw {
  const out: Raw = {}
  const cAt = v.at('command')
  const command = v.has('command') ? imp.str(v, 'command') : undefined
  const remote = v.has('remote_exec') ? v.take('remote_exec') === true : false
  if (command) {
    // Kitchen's shell verifier names the instance in KITCHEN_* variables; Galley's are GALLEY_*.
    const names = ['SUITE', 'PLATFORM', 'INSTANCE'].filter((n) => new RegExp(`\\$\\{?KITCHEN_${n}\\b`).test(command))
    const prefix = names.map((n) => `KITCHEN_${n}="$GALLEY_${n}"`).join(' ')
    out.tests = [{name: 'shell verifier', run: prefix ? `export ${prefix}; ${command}` : command}]
    if (!remote && cAt) imp.report('note', cAt.pos, cAt.where, 'Test Kitchen runs this command on the workstation (remote_exec is not true); Galley runs it inside the instance')
  }
  return out
}

/** InSpec control files under a profile folder (or the file itself). */
function controlFiles(target: string): string[] {
  const st = statSync(target, {throwIfNoEntry: false})
  if (!st) return []
  if (st.isFile()) return [target]
  const out: string[] = []
  for (const e of readdirSync(target, {withFileTypes: true})) {
    const full = path.join(target, e.name)
    if (e.isDirectory()) out.push(...controlFiles(full))
    else if (e.name.endsWith('.rb')) out.push(full)
  }
  return out.sort().slice(0, 20)
}

function mapInspec({context: imp, block: v, suite}: PluginInput): Raw {
  const tAt = v.at('inspec_tests')
  const given = v.has('inspec_tests') ? (v.take('inspec_tests') as unknown) : undefined
  const paths = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map((t) => (isObject(t) ? String(t.path ?? t.url ?? t.git ?? t.name ?? JSON.stringify(t)) : String(t)))
  if (paths.length === 0 && imp.exists(`test/integration/${suite}`)) paths.push(`test/integration/${suite}`)
  const files = paths.flatMap((t) => controlFiles(path.resolve(imp.root, t)).map((f) => path.relative(imp.root, f)))
  const at = tAt ?? v.at('name')
  if (at) {
    imp.report(
      'unmapped',
      at.pos,
      tAt ? at.where : `${at.where.replace(/\.name$/, '')} (suite ${suite})`,
      `Galley cannot run InSpec; port the controls to verifier tests (shell commands) or assert checks` +
        (paths.length > 0 ? `. Tests of suite ${suite}: ${paths.join(', ')}` + (files.length > 0 ? ` (${files.join(', ')})` : '') : ''),
    )
  }
  return {}
}

function mapBusser({context: imp, block: v, suite}: PluginInput): Raw {
  const out: Raw = {}
  const vAt = v.at('name')
  const dir = `test/integration/${suite}`
  const bats = imp.exists(`${dir}/bats`) ? readdirSync(path.resolve(imp.root, dir, 'bats')).filter((f) => f.endsWith('.bats')).sort() : []
  const mapped = bats.map((f) => imp.relPath(`${dir}/bats/${f}`, undefined, '')).filter((f): f is string => f !== undefined)
  if (mapped.length > 0) out.bats = mapped
  const others = imp.exists(dir) ? readdirSync(path.resolve(imp.root, dir), {withFileTypes: true}).filter((e) => e.isDirectory() && e.name !== 'bats').map((e) => e.name) : []
  // The file's first line stands for a busser nobody named: it is Test Kitchen's default.
  const at = vAt ?? {pos: {file: imp.file, line: 1, col: 1}, where: 'verifier'}
  if (vAt || others.length > 0 || mapped.length > 0) {
    imp.report(
      others.length > 0 || vAt ? 'unmapped' : 'note',
      at.pos,
      `${at.where.replace(/\.name$/, '')} (suite ${suite})`,
      'busser (the default verifier) is not used by Galley' +
        (mapped.length > 0 ? `; its bats tests became Galley's bats verifier: ${mapped.join(', ')}` : '') +
        (others.length > 0 ? `; tests for ${others.map((o) => `${dir}/${o}`).join(', ')} were not imported (Galley runs shell tests, bats, and JUnit reports)` : ''),
    )
  }
  return out
}

const VERIFIERS = new Map<string, VerifierMapper>([
  ['shell', mapShell],
  ['inspec', mapInspec],
  ['busser', mapBusser],
])

/** Test Kitchen's verifier when none is named. */
const DEFAULT_VERIFIER = 'busser'

/** The verifier a Test Kitchen verifier name stands for, for the reasons of its keys: itself when it maps, else 'unsupported'. */
export function verifierPlugin(name = DEFAULT_VERIFIER): string {
  return VERIFIERS.has(name) ? name : 'unsupported'
}

/** galley.yml's verifier settings for one instance. */
export function mapVerifier(imp: Importer, v: Block, suite: string): Raw {
  const vname = (v.has('name') ? imp.str(v, 'name') : DEFAULT_VERIFIER) ?? 'unknown'
  const map = VERIFIERS.get(vname)
  if (map) return map({context: imp, block: v, suite})
  const vAt = v.at('name')
  if (vAt) imp.report('unmapped', vAt.pos, vAt.where, `the ${vname} verifier has no Galley equivalent (Galley runs shell tests, assert checks, bats and JUnit reports)`)
  return {}
}
