import {Args, Flags} from '@oclif/core'
import {existsSync, statSync} from 'node:fs'
import path from 'node:path'
import {GalleyCommand} from '../cli/base.js'
import {findKitchenFile, formatItem, importKitchen} from '../kitchen/index.js'
import {ConfigError, UsageError} from '../errors.js'
import type {DriverName} from '../config/types.js'
import {writeFileAtomic} from '../files.js'

export default class Import extends GalleyCommand {
  static summary = 'Write a galley.yml from a Test Kitchen file, and list what it could not carry over.'
  static description =
    'Reads kitchen.yml (or .kitchen.yml), with kitchen.local.yml merged over it as Test Kitchen does, and writes galley.yml beside it. ' +
    'Drivers docker and dokken, the shell, chef_zero/chef_solo/chef_infra/dokken, ansible_playbook and puppet_apply provisioners, platforms, suites, run lists, attributes, includes/excludes, ' +
    'the shell verifier and remote lifecycle hooks are mapped; every other key (ERB, transports, InSpec, busser...) is listed with its line and why, ' +
    'in the report and as comments at the top of galley.yml. ERB is never evaluated. --driver sets driver.name in galley.yml (default: docker when a platform names an engine image).'
  static examples = [
    '<%= config.bin %> import',
    '<%= config.bin %> import .kitchen.yml -o galley.yml --force',
    '<%= config.bin %> import kitchen.yml --bootstrap --stdout',
  ]
  static args = {file: Args.string({description: 'The kitchen file (default: kitchen.yml, then .kitchen.yml, in this folder).'})}
  static flags = {
    output: Flags.string({char: 'o', summary: "Where to write (default: galley.yml beside the kitchen file). Paths in it are made relative to its folder."}),
    force: Flags.boolean({summary: 'Overwrite the output file if it exists.'}),
    stdout: Flags.boolean({summary: 'Print galley.yml instead of writing it; the report goes to stderr.', exclusive: ['output']}),
    bootstrap: Flags.boolean({summary: 'Build Debian platforms with debootstrap (runs on LXC and Docker, no registry needed) instead of naming engine images.'}),
    json: Flags.boolean({summary: 'Print the report as JSON: output file, unmapped keys and notes with their lines.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Import)
    const file = args.file ? path.resolve(args.file) : findKitchenFile(process.cwd())
    if (!file) throw new UsageError(`no kitchen.yml or .kitchen.yml in ${process.cwd()}`, {hint: 'Run galley import in a Test Kitchen project, or name the file: galley import path/to/kitchen.yml.'})
    if (statSync(file, {throwIfNoEntry: false})?.isDirectory()) {
      const inside = findKitchenFile(file)
      if (!inside) throw new UsageError(`no kitchen.yml or .kitchen.yml in ${file}`, {hint: 'Name the kitchen file itself.'})
      return this.convert(inside, flags)
    }
    if (!existsSync(file)) throw new ConfigError(`cannot read ${args.file}: no such file`, undefined, {hint: 'Check the path of the kitchen file.'})
    return this.convert(file, flags)
  }

  private convert(file: string, flags: {output?: string; force: boolean; stdout: boolean; bootstrap: boolean; json: boolean; driver?: DriverName}): void {
    const output = flags.output ? path.resolve(flags.output) : path.join(path.dirname(file), 'galley.yml')
    if (!flags.stdout && existsSync(output) && !flags.force) {
      throw new UsageError(`${path.relative(process.cwd(), output) || output} exists already`, {hint: 'Pass --force to overwrite it, -o FILE to write elsewhere, or --stdout to print.'})
    }
    const result = importKitchen({file, outDir: path.dirname(output), bootstrap: flags.bootstrap, driver: flags.driver})
    const shown = path.relative(process.cwd(), output) || output
    if (flags.stdout) process.stdout.write(result.text)
    else {
      // Written whole or not at all: a half-written galley.yml would only confuse the next command.
      try {
        writeFileAtomic(output, result.text)
      } catch (error) {
        throw new UsageError(`cannot write ${shown}`, {cause: error, hint: 'Choose a writable place with -o FILE, or print it with --stdout.'})
      }
    }
    const say = (line: string) => (flags.stdout ? this.logToStderr(line) : this.log(line))
    if (flags.json) {
      const report = {files: result.files, output: flags.stdout ? null : shown, unmapped: result.unmapped, notes: result.notes}
      say(JSON.stringify(report, null, 2))
      return
    }
    const platforms = (result.config.platforms as unknown[]).length
    const suites = (result.config.suites as unknown[]).length
    say(`${flags.stdout ? 'Imported' : `Wrote ${shown} from`} ${result.files.join(' and ')}: ${platforms} platform${platforms === 1 ? '' : 's'}, ${suites} suite${suites === 1 ? '' : 's'}.`)
    if (result.unmapped.length > 0) {
      say(`\nNot imported (${result.unmapped.length}):`)
      for (const item of result.unmapped) say(`  ${formatItem(item)}`)
    }
    if (result.notes.length > 0) {
      say(`\nNotes (${result.notes.length}):`)
      for (const item of result.notes) say(`  ${formatItem(item)}`)
    }
    if (!flags.stdout) say(`\nNext: galley diagnose shows the instances as they will run; galley test runs them.`)
  }
}
