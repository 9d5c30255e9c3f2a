import {Args, Flags} from '@oclif/core'
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {getDriver} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {UsageError} from '../errors.js'
import {StateStore} from '../lifecycle/state.js'

export default class Promote extends GalleyCommand {
  static summary = 'Turn a verified instance into a shippable image, labelled with what was verified.'
  static description =
    'On Docker or Podman the image goes into the engine; on LXC it becomes a base image in Galley\'s store that a platform can name (image: NAME:TAG). ' +
    'An instance whose last converge has not been followed by a passing verify is refused.'
  static examples = ['<%= config.bin %> promote web-debian-12 --tag myapp:1.0', '<%= config.bin %> promote web-debian-12 --tag myapp:1.0 --driver docker --output myapp.tar']
  static args = {instance: Args.string({required: true, description: 'Instance name or a regular expression matching exactly one.'})}
  static flags = {
    tag: Flags.string({char: 't', required: true, summary: 'The image name, NAME:TAG.'}),
    output: Flags.string({char: 'o', summary: 'Also write the image to this archive file.'}),
    format: Flags.option({options: ['docker-archive', 'oci-archive'] as const, default: 'docker-archive', summary: 'Archive format for --output.'})(),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Promote)
    if (!/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/.test(flags.tag)) {
      throw new UsageError(`\`${flags.tag}\` is not an image name (lower-case NAME, optional :TAG)`, {hint: 'For example: --tag myapp:1.0'})
    }
    const config = this.project(flags)
    const [spec, ...more] = selectInstances(config.instances, [args.instance])
    if (more.length > 0) throw new UsageError(`\`${args.instance}\` matches ${more.length + 1} instances; promote takes one`, {hint: 'Give the full instance name.'})
    const st = new StateStore(config.root).read(spec.name)
    if (!st?.handle) {
      throw new UsageError(`instance ${spec.name} has no container to promote`, {hint: `Keep it after its test: galley test ${spec.name} --destroy never, then promote.`})
    }
    if (st.state !== 'verified') {
      throw new UsageError(`instance ${spec.name} has not passed verify since its last converge (it is ${st.state}${st.lastError ? `: ${st.lastError}` : ''})`, {
        hint: `Run galley verify ${spec.name}, then promote it.`,
      })
    }
    const revision = spawnSync('git', ['rev-parse', 'HEAD'], {cwd: config.root, encoding: 'utf8'})
    const junit = path.join(config.root, '.galley', 'junit.xml')
    const labels: Record<string, string> = {
      'galley.suite': spec.suite,
      'galley.platform': spec.platform.name,
      'galley.instance': spec.name,
      'galley.revision': revision.status === 0 ? revision.stdout.trim() : 'unknown',
      // passed/total; label values stay free of spaces, which commit's LABEL changes cannot carry.
      'galley.tests': st.tests ? `${st.tests.passed}/${st.tests.total}` : 'unknown',
      ...(existsSync(junit) ? {'galley.junit.sha256': createHash('sha256').update(readFileSync(junit)).digest('hex')} : {}),
    }
    const driver = await getDriver({name: st.handle.driver, socket: st.handle.socket as string | undefined})
    await driver.promote(st.handle, flags.tag, labels)
    this.log(`promoted ${spec.name} to ${flags.tag} on ${driver.name}`)
    if (flags.output) {
      const file = path.resolve(flags.output)
      await driver.saveImage(flags.tag, flags.format, file)
      this.log(`wrote ${path.relative(process.cwd(), file) || file} (${flags.format})`)
    }
  }
}
