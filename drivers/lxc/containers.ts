/**
 * An LXC instance's folder in Galley's lxcpath: liblxc's `config`, the overlay's upper directory
 * `delta0`, and `galley.json`, which says what the container is made of and whose it is.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import * as lxc from './ffi.js'

export const CONFIG_NAME = 'config'
export const UPPER_NAME = 'delta0'
const META_NAME = 'galley.json'

export interface ContainerMeta {
  labels: Record<string, string>
  /** The snapshot it was made from. */
  snapshot: string
  /** The directories its overlay stacks, top first: step layers down to the base image. */
  lowers: string[]
  address: string
  bridge: string
  /** Its PID 1 is the image's systemd (absent: the keep-alive loop). */
  init?: 'systemd'
}

/** Where the container's galley.json is; a folder without one never finished being made. */
export function metaFile(dir: string): string {
  return path.join(dir, META_NAME)
}

/** The container's galley.json; throws when it has none (not Galley's, or half-made). */
export function readMeta(dir: string): ContainerMeta {
  return JSON.parse(readFileSync(metaFile(dir), 'utf8')) as ContainerMeta
}

/** Writes the container's galley.json. */
export function writeMeta(dir: string, meta: ContainerMeta): void {
  writeFileSync(metaFile(dir), JSON.stringify(meta) + '\n')
}

/** Whether the container runs; false for one liblxc cannot open. */
export function isRunning(name: string, lxcpath: string): boolean {
  let c: lxc.LxcContainerPtr
  try {
    c = lxc.lxc_container_new(name, lxcpath)
  } catch {
    return false
  }
  try {
    return lxc.is_running(c)
  } finally {
    lxc.lxc_container_put(c)
  }
}
