/** Tar streams of host folders, through npm's tar. */
import type {Stats} from 'node:fs'
import {Readable} from 'node:stream'
import {create as tarCreate} from 'tar'

export interface PackOptions {
  /** Paths (as tar names them, `./a/b`) to leave out. */
  exclude?: RegExp
  /** Drop owners and times, as for files copied into an instance. */
  portable?: boolean
}

/**
 * The folder's contents as a tar stream. Only files, folders and symlinks go in: npm tar stalls on
 * device nodes (a debootstrap root has them in /dev) and would block forever on a FIFO; engines
 * make /dev themselves.
 */
export function packDirectory(cwd: string, options: PackOptions = {}): Readable {
  const keep = (p: string, stat: Stats) => (stat.isFile() || stat.isDirectory() || stat.isSymbolicLink()) && !options.exclude?.test(p)
  return Readable.from(tarCreate({cwd, portable: options.portable ?? false, filter: (p, stat) => keep(p, stat as Stats)}, ['.']))
}
