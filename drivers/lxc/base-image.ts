/**
 * The base image a platform names, built on first use: apart from promote, save and push (images.ts),
 * which load only when asked for, since they bring in the archive and registry code.
 */
import {isImageRef, type ImageSpec} from '../../src/config/types.js'
import {ensureImage} from '../../src/images/build.js'
import {hasImage, readTags} from '../../src/images/store.js'
import type {ImageProgress} from '../driver.js'
import * as lxc from './ffi.js'

/** The id of the base image for `spec`: an image promoted under that name, or one built from a bootstrap spec. */
export async function ensureBaseImage(spec: ImageSpec, onProgress?: ImageProgress, signal?: AbortSignal): Promise<string> {
  if (isImageRef(spec)) {
    const id = readTags()[spec.ref]
    if (id && hasImage(id)) return id
    throw new lxc.LxcError(`no image ${spec.ref} in Galley's LXC store (only images made with galley promote are)`, {
      hint: 'Use image: {bootstrap: busybox} or {bootstrap: debootstrap, ...}, promote an instance under that name, or use --driver docker.',
    })
  }
  return (await ensureImage(spec, onProgress, signal)).id
}
