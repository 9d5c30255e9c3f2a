import {Flags} from '@oclif/core'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {GalleyCommand} from '../../cli/base.js'
import {UsageError} from '../../errors.js'
import {hasImage, imageLowers, listImages, removeImage, storeDir} from '../../images/store.js'

/** Containers in Galley's LXC store still layered on an image, directly or under step layers. */
function usersOf(id: string): string[] {
  const lxcpath = storeDir('lxc')
  const dirs = new Set(hasImage(id) ? imageLowers(id) : [])
  return readdirSync(lxcpath).filter((name) => {
    const file = path.join(lxcpath, name, 'galley.json')
    if (!existsSync(file)) return false
    const meta = JSON.parse(readFileSync(file, 'utf8')) as {snapshot?: string; lowers?: string[]}
    return meta.snapshot === id || (meta.lowers ?? []).some((l) => dirs.has(l))
  })
}

export default class ImageRm extends GalleyCommand {
  static summary = "Remove base images from Galley's store (they are rebuilt on next use)."
  static usage = 'image rm ID... | --all'
  static strict = false
  static examples = ['<%= config.bin %> image rm base-0123456789abcdef', '<%= config.bin %> image rm --all']
  static flags = {all: Flags.boolean({summary: 'Remove every image not in use.'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(ImageRm)
    const ids = flags.all ? (await listImages()).map((i) => i.id) : (argv as string[])
    if (ids.length === 0) throw new UsageError('name the images to remove, or pass --all', {hint: 'galley image ls lists them.'})
    let refused = 0
    for (const id of ids) {
      const users = usersOf(id)
      if (users.length > 0) {
        this.logToStderr(`${id}: in use by ${users.join(', ')}; destroy those first`)
        refused++
        continue
      }
      if (await removeImage(id)) this.log(`removed ${id}`)
      else if (!flags.all) throw new UsageError(`no image \`${id}\` in the store`, {hint: 'galley image ls lists them.'})
    }
    if (refused > 0) this.exit(1)
  }
}
