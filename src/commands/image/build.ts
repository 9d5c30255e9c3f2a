import {GalleyCommand} from '../../cli/base.js'
import {selectInstances} from '../../cli/select.js'
import {ensureImage, imageIdFor} from '../../images/build.js'
import {hasImage} from '../../images/store.js'
import {isImageRef} from '../../config/types.js'

export default class ImageBuild extends GalleyCommand {
  static summary = "Build the base images of the project's platforms (all, or those named); built images are reused."
  static usage = 'image build [PLATFORM|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> image build', '<%= config.bin %> image build debian-12']

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ImageBuild)
    const config = await this.project(flags)
    const platforms = new Map(config.instances.map((i) => [i.platform.name, i.platform]))
    const chosen = selectInstances([...platforms.values()], argv as string[], 'platform')
    for (const p of chosen) {
      if (isImageRef(p.image)) {
        this.log(`${p.name}: ${p.image.ref} is an engine image; the engine provides it`)
        continue
      }
      const id = imageIdFor(p.image)
      if (hasImage(id)) {
        this.log(`${p.name}: ${id} (already built)`)
        continue
      }
      this.log(`${p.name}: building ${id} (${p.image.bootstrap})`)
      const started = Date.now()
      await ensureImage(p.image, (line) => this.log(`  ${line}`))
      this.log(`${p.name}: ${id} built in ${((Date.now() - started) / 1000).toFixed(1)}s`)
    }
  }
}
