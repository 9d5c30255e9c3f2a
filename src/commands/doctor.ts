import {spawnSync} from 'node:child_process'
import {getDriver} from '../../drivers/index.js'
import type {DoctorCheck} from '../../drivers/driver.js'
import {GalleyCommand} from '../cli/base.js'
import {ExitCode} from '../errors.js'

function tool(name: string, args: string[], fix: string): DoctorCheck {
  const out = spawnSync(name, args, {encoding: 'utf8'})
  const ok = !out.error
  return {name, ok, detail: ok ? (out.stdout || out.stderr).split('\n')[0].trim() || 'present' : `${name} not found`, fix}
}

export default class Doctor extends GalleyCommand {
  static summary = 'Check that the engines and tools Galley needs are here and usable, and say how to fix what is not.'
  static examples = ['<%= config.bin %> doctor']

  async run(): Promise<void> {
    const checks: DoctorCheck[] = []
    try {
      checks.push(...(await (await getDriver('lxc')).doctor()).map((c) => ({...c, name: `lxc: ${c.name}`})))
    } catch (error) {
      checks.push({name: 'lxc', ok: false, detail: (error as Error).message, fix: 'apt-get install lxc'})
    }
    checks.push(tool('debootstrap', ['--version'], 'apt-get install debootstrap'))
    checks.push(tool('/bin/busybox', ['--help'], 'apt-get install busybox-static'))
    for (const c of checks) {
      this.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`)
      if (!c.ok && c.fix) this.log(`     fix: ${c.fix}`)
    }
    if (checks.some((c) => !c.ok)) this.exit(ExitCode.engine)
  }
}
