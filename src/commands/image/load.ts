import {Args, Flags} from '@oclif/core'
import {GalleyCommand} from '../../cli/base.js'
import {loadBundle} from '../../images/bundle.js'
import {dockerSide} from './save.js'

export default class ImageLoad extends GalleyCommand {
  static summary = 'Restore base images and step snapshots saved with galley image save.'
  static description = 'What the store already has is kept as it is; the rest goes in whole. The Docker part is loaded into the Docker engine when one answers.'
  static examples = ['<%= config.bin %> image load galley-images.tar']
  static args = {file: Args.string({required: true, description: 'A file written by galley image save.'})}
  static flags = {docker: Flags.boolean({default: true, allowNo: true, summary: "Load the Docker images too (--no-docker: the LXC store only)."})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(ImageLoad)
    const o = await loadBundle(args.file, await dockerSide(flags.docker))
    this.log(`loaded ${o.images.length} images, ${o.layers.length} step layers and ${o.docker.length} Docker images${o.kept.length ? `; ${o.kept.length} already here, kept` : ''}`)
  }
}
