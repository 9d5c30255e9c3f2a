import {Flags} from '@oclif/core'
import {statSync} from 'node:fs'
import {DockerDriver} from '../../../drivers/docker/driver.js'
import {GalleyCommand} from '../../cli/base.js'
import {humanSize} from '../../cli/engines.js'
import {saveBundle, type DockerSide} from '../../images/bundle.js'

/** The Docker engine's side of a bundle, when one answers here (DOCKER_HOST, or the default socket). */
export async function dockerSide(wanted: boolean): Promise<DockerSide | undefined> {
  if (!wanted) return undefined
  const docker = new DockerDriver()
  return (await docker.doctor()).every((c) => c.ok) ? docker : undefined
}

export default class ImageSave extends GalleyCommand {
  static summary = 'Save the built base images and step snapshots to one file, to restore on another machine or CI run.'
  static description =
    "Holds Galley's LXC store (base images, promoted images, step layers, their names) and the Docker engine's galley-base and galley-step images. A name ending in .tar.gz or .tgz is compressed. galley image load restores it."
  static examples = ['<%= config.bin %> image save -o galley-images.tar', '<%= config.bin %> image save -o ~/.cache/galley.tgz --no-docker']
  static flags = {
    output: Flags.string({char: 'o', required: true, summary: 'The file to write.'}),
    docker: Flags.boolean({default: true, allowNo: true, summary: "Include the Docker engine's images (--no-docker: the LXC store only)."}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ImageSave)
    const m = await saveBundle(flags.output, await dockerSide(flags.docker))
    this.log(`saved ${m.images.length} images, ${m.layers.length} step layers and ${m.docker.length} Docker images to ${flags.output} (${humanSize(statSync(flags.output).size)})`)
  }
}
