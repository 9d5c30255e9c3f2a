import {Args, Flags} from '@oclif/core'
import {existsSync, statSync} from 'node:fs'
import path from 'node:path'
import {GalleyCommand} from '../cli/base.js'
import {formatItem, type ImportResult} from '../import/report.js'
import {findKitchenFile, importKitchen} from '../kitchen/index.js'
import {findMoleculeProject, importMolecule} from '../molecule/index.js'
import {ConfigError, UsageError} from '../errors.js'
import type {DriverName} from '../config/types.js'
import {writeFileAtomic} from '../files.js'

interface ImportFlags {
  output?: string
  force: boolean
  stdout: boolean
  bootstrap: boolean
  json: boolean
  driver?: DriverName
}

/** What to import: a kitchen file, or a Molecule project (and the folder galley.yml goes to by default). */
type Source = {kind: 'kitchen'; file: string} | {kind: 'molecule'; target: string; root: string}

export default class Import extends GalleyCommand {
  static summary = 'Write a galley.yml from Test Kitchen or Molecule files, and list what it could not carry over.'
  static description =
    'Test Kitchen: reads kitchen.yml (or .kitchen.yml), with kitchen.local.yml merged over it as Test Kitchen does, and writes galley.yml beside it. ' +
    'Drivers docker and dokken, the shell, chef_zero/chef_solo/chef_infra/dokken, ansible_playbook and puppet_apply provisioners, platforms, suites, run lists, attributes, includes/excludes, ' +
    'the shell verifier and remote lifecycle hooks are mapped. ERB is never evaluated.\n\n' +
    'Molecule: given a role or project folder with molecule/, a molecule/ folder, or one molecule.yml, every scenario becomes a suite of one galley.yml, written in the folder holding molecule/: ' +
    'platforms (init: systemd for images that boot it), the prepare, converge and side_effect playbooks, the inventory\'s variables, env, galaxy requirements, idempotence from test_sequence, ' +
    'and the ansible or testinfra verifier. ${VAR}s are resolved as Molecule does, from the environment galley import runs in.\n\n' +
    'Every other key (lint, transports, InSpec, create/destroy playbooks...) is listed with its line and why, in the report and as comments at the top of galley.yml. ' +
    '--driver sets driver.name in galley.yml (default: docker when a platform names an engine image).'
  static examples = [
    '<%= config.bin %> import',
    '<%= config.bin %> import .kitchen.yml -o galley.yml --force',
    '<%= config.bin %> import kitchen.yml --bootstrap --stdout',
    '<%= config.bin %> import path/to/role --bootstrap',
    '<%= config.bin %> import molecule/default/molecule.yml --stdout',
  ]
  static args = {file: Args.string({description: 'A kitchen file, a Molecule role or project folder, a molecule/ folder, or one molecule.yml (default: this folder).'})}
  static flags = {
    output: Flags.string({char: 'o', summary: 'Where to write (default: galley.yml beside the kitchen file, or in the folder holding molecule/). Paths in it are made relative to its folder.'}),
    force: Flags.boolean({summary: 'Overwrite the output file if it exists.'}),
    stdout: Flags.boolean({summary: 'Print galley.yml instead of writing it; the report goes to stderr.', exclusive: ['output']}),
    bootstrap: Flags.boolean({summary: 'Build Debian (and, with Molecule, Ubuntu) platforms with debootstrap (runs on LXC and Docker, no registry needed) instead of naming engine images.'}),
    json: Flags.boolean({summary: 'Print the report as JSON: output file, unmapped keys and notes with their lines.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Import)
    const source = this.sourceOf(args.file)
    const output = flags.output ? path.resolve(flags.output) : path.join(source.kind === 'kitchen' ? path.dirname(source.file) : source.root, 'galley.yml')
    if (!flags.stdout && existsSync(output) && !flags.force) {
      throw new UsageError(`${path.relative(process.cwd(), output) || output} exists already`, {hint: 'Pass --force to overwrite it, -o FILE to write elsewhere, or --stdout to print.'})
    }
    const outDir = path.dirname(output)
    const result =
      source.kind === 'kitchen'
        ? importKitchen({file: source.file, outDir, bootstrap: flags.bootstrap, driver: flags.driver})
        : importMolecule({target: source.target, outDir, bootstrap: flags.bootstrap, driver: flags.driver})
    this.write(result, output, flags)
  }

  /** Kitchen or Molecule, by what `arg` names (this folder when nothing). */
  private sourceOf(arg: string | undefined): Source {
    const target = path.resolve(arg ?? process.cwd())
    const shown = arg ?? process.cwd()
    const st = statSync(target, {throwIfNoEntry: false})
    if (arg && !st) throw new ConfigError(`cannot read ${arg}: no such file or folder`, undefined, {hint: 'Check the path of the kitchen file or the Molecule project.'})
    const molecule = findMoleculeProject(target)
    if (st?.isFile()) return molecule ? {kind: 'molecule', target, root: molecule.root} : {kind: 'kitchen', file: target}
    const kitchen = findKitchenFile(target)
    if (kitchen && molecule) {
      throw new UsageError(`${shown} has both a kitchen file and Molecule scenarios`, {hint: `Name the one to import: galley import ${path.relative(process.cwd(), kitchen) || kitchen}, or galley import ${path.relative(process.cwd(), path.join(molecule.root, 'molecule')) || 'molecule'}.`})
    }
    if (kitchen) return {kind: 'kitchen', file: kitchen}
    if (molecule) return {kind: 'molecule', target, root: molecule.root}
    throw new UsageError(`no kitchen.yml, .kitchen.yml or molecule/<scenario>/molecule.yml in ${shown}`, {hint: 'Run galley import in a Test Kitchen project or a role with Molecule scenarios, or name the file: galley import path/to/kitchen.yml.'})
  }

  private write(result: ImportResult, output: string, flags: ImportFlags): void {
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
    const from = result.files.length > 2 ? result.files.join(', ') : result.files.join(' and ')
    say(`${flags.stdout ? 'Imported' : `Wrote ${shown} from`} ${from}: ${platforms} platform${platforms === 1 ? '' : 's'}, ${suites} suite${suites === 1 ? '' : 's'}.`)
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
