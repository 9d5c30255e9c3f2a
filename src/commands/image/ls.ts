import {Flags} from '@oclif/core'
import {GalleyCommand} from '../../cli/base.js'
import {formatTable} from '../../cli/table.js'
import {humanSize} from '../../cli/engines.js'
import {canonicalSpec, listImages} from '../../images/store.js'

export default class ImageLs extends GalleyCommand {
  static summary = "List the base images in Galley's store."
  static examples = ['<%= config.bin %> image ls', '<%= config.bin %> image ls --json']
  static flags = {json: Flags.boolean({summary: 'Print JSON.'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(ImageLs)
    const images = await listImages()
    if (flags.json) return void this.log(JSON.stringify(images, null, 2))
    if (images.length === 0) return void this.log('no images yet; galley image build (or any galley test) builds them')
    const rows = images.map((i) => [i.id, humanSize(i.size), i.createdAt.slice(0, 19).replace('T', ' '), canonicalSpec(i.spec)])
    const head = ['Image', 'Size', 'Created (UTC)', 'Spec']
    for (const line of formatTable(head, rows)) this.log(line)
  }
}
