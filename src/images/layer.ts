/**
 * Overlay layers as image layers. overlayfs marks a deleted path with a 0/0 character device and a
 * directory whose lower contents are hidden with the `trusted.overlay.opaque` xattr; an image layer
 * (OCI and Docker alike) says the same with an empty `.wh.<name>` file and a `.wh..wh..opq` file in
 * the directory. stageLayer makes a hard-linked copy of a layer with the markers converted, so it can
 * be packed with packDirectory; the layer itself is never changed.
 */
import {lstatSync, readdirSync, unlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {run} from './run.js'

export const WHITEOUT_PREFIX = '.wh.'
export const OPAQUE_MARKER = '.wh..wh..opq'

/** Whether overlayfs would treat the directory as opaque (the caller reads the xattr). */
export type OpaqueTest = (dir: string) => boolean

export interface LayerMarkers {
  /** Paths, relative to the layer, that the layer deletes. */
  whiteouts: string[]
  /** Directories, relative to the layer, whose lower contents the layer hides. */
  opaque: string[]
}

/** The overlay markers in a layer directory. */
export function findMarkers(dir: string, isOpaque: OpaqueTest): LayerMarkers {
  const found: LayerMarkers = {whiteouts: [], opaque: []}
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), {withFileTypes: true})) {
      const r = path.join(rel, e.name)
      if (e.isCharacterDevice()) {
        if (lstatSync(path.join(dir, r)).rdev === 0) found.whiteouts.push(r)
      } else if (e.isDirectory()) {
        if (isOpaque(path.join(dir, r))) found.opaque.push(r)
        walk(r)
      }
    }
  }
  walk('')
  return found
}

/**
 * Copies the layer to `dest` (which must not exist) with hard links, then turns its overlay markers
 * into image-layer whiteouts. `dest` must be on the layer's file system.
 */
export async function stageLayer(layer: string, dest: string, isOpaque: OpaqueTest): Promise<LayerMarkers> {
  const markers = findMarkers(layer, isOpaque)
  await run('cp', ['-al', layer, dest])
  for (const w of markers.whiteouts) {
    unlinkSync(path.join(dest, w))
    writeFileSync(path.join(dest, path.dirname(w), WHITEOUT_PREFIX + path.basename(w)), '')
  }
  for (const d of markers.opaque) writeFileSync(path.join(dest, d, OPAQUE_MARKER), '')
  return markers
}
