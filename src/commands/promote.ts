import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import {getDriver} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {commandLine} from '../cli/session.js'
import type {InstanceSpec} from '../config/types.js'
import {UsageError} from '../errors.js'
import type {ArchiveFormat} from '../images/archive.js'
import {lockInstances} from '../lifecycle/lock.js'
import {parseRegistryRef} from '../images/registry.js'
import {IMAGE_NAME, promoteInstance} from '../lifecycle/promote.js'
import {StateStore} from '../lifecycle/state.js'

export default class Promote extends GalleyCommand {
  static summary = 'Turn a verified instance into a shippable image, labelled with what was verified.'
  static description =
    'On Docker or Podman the image goes into the engine; on LXC it becomes a base image in Galley\'s store that a platform can name (image: NAME:TAG). ' +
    'An instance whose last converge has not been followed by a passing verify is refused.'
  static examples = [
    '<%= config.bin %> promote web-debian-12 --tag myapp:1.0',
    '<%= config.bin %> promote web-debian-12 --tag myapp:1.0 --output myapp.tar --format oci-archive',
    '<%= config.bin %> promote web-debian-12 --tag localhost:5000/myapp:1.0 --push',
  ]
  static args = {instance: Args.string({required: true, description: 'Instance name or a regular expression matching exactly one.'})}
  static flags = {
    tag: Flags.string({char: 't', required: true, summary: 'The image name, NAME:TAG.'}),
    output: Flags.string({char: 'o', summary: 'Also write the image to this archive file.'}),
    format: Flags.option({options: ['docker-archive', 'oci-archive'] as const, default: 'docker-archive', summary: 'Archive format for --output.'})(),
    push: Flags.boolean({summary: 'Also push the image to the registry its tag names (host[:port]/name:tag).'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Promote)
    if (!IMAGE_NAME.test(flags.tag)) {
      throw new UsageError(`\`${flags.tag}\` is not an image name (lower-case NAME, optional :TAG)`, {hint: 'For example: --tag myapp:1.0'})
    }
    // Checked before anything is made: a tag that names no registry cannot be pushed.
    if (flags.push) parseRegistryRef(flags.tag)
    const config = await this.project(flags)
    const [spec, ...more] = selectInstances(config.instances, [args.instance])
    if (more.length > 0) throw new UsageError(`\`${args.instance}\` matches ${more.length + 1} instances; promote takes one`, {hint: 'Give the full instance name.'})
    const unlock = lockInstances(config.root, [spec.name], commandLine())
    try {
      await this.promote(config.root, spec, flags)
    } finally {
      unlock()
    }
  }

  private async promote(root: string, spec: InstanceSpec, flags: {tag: string; output?: string; format: ArchiveFormat; push: boolean}): Promise<void> {
    const st = new StateStore(root).read(spec.name)
    const driver = await getDriver({name: st?.handle?.driver ?? spec.driver.name, socket: (st?.handle?.socket as string | undefined) ?? spec.driver.socket})
    await promoteInstance(root, spec, st, driver, flags.tag)
    this.log(`promoted ${spec.name} to ${flags.tag} on ${driver.name}`)
    if (flags.output) {
      const file = path.resolve(flags.output)
      await driver.saveImage(flags.tag, flags.format, file)
      this.log(`wrote ${path.relative(process.cwd(), file) || file} (${flags.format})`)
    }
    if (flags.push) {
      await driver.pushImage(flags.tag, (line) => this.debug(line))
      this.log(`pushed ${flags.tag}`)
    }
  }
}
