/**
 * galley import: turns a Test Kitchen file (kitchen.yml, with kitchen.local.yml merged over it)
 * into a galley.yml. What maps is carried over; every key that does not is listed with its place
 * in the kitchen file and why, never guessed at. ERB is detected and never evaluated.
 */
import path from 'node:path'
import type {DriverName} from '../config/types.js'
import {render, type ImportResult} from '../import/report.js'
import {targetHost} from '../import/systemd.js'
import {Importer} from './importer.js'
import {readKitchenFiles} from './read.js'
import {convertKitchen} from './suites.js'

export type {ImportItem, ImportResult} from '../import/report.js'
export {findKitchenFile, localFileFor} from './read.js'
export {formatItem} from '../import/report.js'

export interface ImportOptions {
  /** The kitchen file; kitchen.local.yml (or .kitchen.local.yml) beside it is merged over it. */
  file: string
  /** The folder galley.yml will be written to: paths are made relative to it. */
  outDir: string
  /** Map Debian platforms to debootstrap images (LXC or Docker, no registry) instead of engine images. */
  bootstrap?: boolean
  /** driver.name of galley.yml, instead of docker when a platform names an engine image and auto otherwise. */
  driver?: DriverName
  /** The cgroup version of the host galley.yml is for (default: this host's): whether systemd needs a privileged container on Docker. */
  cgroupVersion?: 1 | 2
}

/** Reads a kitchen file (and its local override) and returns the galley.yml it maps to, with what did not map. */
export function importKitchen(options: ImportOptions): ImportResult {
  const {kitchen, tags, files} = readKitchenFiles(options.file)
  const host = targetHost(options.driver, 'docker', options.cgroupVersion)
  const imp = new Importer(path.dirname(path.resolve(options.file)), path.resolve(options.outDir), files[0], tags, options.bootstrap ?? false, host)
  for (const t of tags.filter((t) => t.kind === 'control')) {
    imp.report('unmapped', t.at, `<% ${t.code} %>`, 'ERB code is not evaluated: every line around it was read as plain YAML, whichever branch or loop it belongs to; check those lines in galley.yml')
  }
  const config = convertKitchen(kitchen, imp, options.driver)
  const {unmapped, notes} = imp.sorted()
  return {text: render(config, files, unmapped, notes), config, unmapped, notes, files}
}
