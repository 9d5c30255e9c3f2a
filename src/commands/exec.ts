import {Flags} from '@oclif/core'
import {getDriver} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {ensureCreated} from '../cli/ensure.js'
import {selectInstances} from '../cli/select.js'

export default class Exec extends GalleyCommand {
  static summary = 'Run a shell command in instances (creating them first if needed); exits with its exit code.'
  static usage = 'exec [INSTANCE|REGEX]... -c COMMAND'
  static strict = false
  static examples = ["<%= config.bin %> exec web-debian-12 -c 'cat /etc/motd'", "<%= config.bin %> exec -c 'uname -a'"]
  static flags = {command: Flags.string({char: 'c', required: true, summary: 'The command, run with /bin/sh -c.'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Exec)
    const config = await this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const handles = await ensureCreated(config, specs)
    const prefixed = specs.length > 1
    let worst = 0
    for (const spec of specs) {
      const handle = handles.get(spec.name)!
      const driver = await getDriver({name: handle.driver, socket: handle.socket as string | undefined})
      const partial = {stdout: '', stderr: ''}
      const write = (name: 'stdout' | 'stderr') => (b: Buffer) => {
        if (!prefixed) return void process[name].write(b)
        const lines = (partial[name] + b.toString()).split('\n')
        partial[name] = lines.pop() ?? ''
        for (const l of lines) process[name].write(`[${spec.name}] ${l}\n`)
      }
      // Piped input goes to the command (to the first instance only: it can be read once).
      const stdin = !process.stdin.isTTY && spec === specs[0] ? process.stdin : undefined
      const code = await driver.exec(handle, ['/bin/sh', '-c', flags.command], {onStdout: write('stdout'), onStderr: write('stderr'), cwd: '/root', stdin})
      for (const name of ['stdout', 'stderr'] as const) if (partial[name]) process[name].write(`[${spec.name}] ${partial[name]}\n`)
      if (prefixed && code !== 0) process.stderr.write(`[${spec.name}] exited with ${code}\n`)
      worst = Math.max(worst, code)
    }
    // Done with any piped input: a still-open stdin would keep the process alive.
    process.stdin.destroy()
    if (worst !== 0) this.exit(specs.length === 1 ? worst : 1)
  }
}
