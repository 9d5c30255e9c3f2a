/** A dummy engine on which ansible-playbook "runs": it records each playbook it is asked to run and prints a recap with nothing changed. */
import path from 'node:path'
import type {ContainerHandle, ExecOptions} from '../../drivers/driver.js'
import {DummyDriver} from '../../drivers/dummy/driver.js'

export class AnsibleDriver extends DummyDriver {
  readonly played: string[] = []

  override async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    if (!argv.includes('ansible-playbook') || !argv.at(-1)!.endsWith('.yml')) return super.exec(handle, argv, options)
    this.played.push(`${options.task?.kind} ${path.basename(argv.at(-1)!)}`)
    options.onStdout?.(Buffer.from(`PLAY RECAP ***\n${handle.name} : ok=1 changed=0 unreachable=0 failed=0\n`))
    return 0
  }
}
