/** Reads what a dependency tarball says about itself (a collection's MANIFEST.json, a module's metadata.json) before it is installed. */
import {createRequire} from 'node:module'

// Required when first needed: every run plans its verifiers, few read a tarball (tar loads in 20 ms).
const loadTar = () => createRequire(import.meta.url)('tar') as typeof import('tar')

/**
 * The text of the first entry named `name` at the tarball's top or one folder down
 * (`galley-demo-1.0.0/metadata.json`); undefined when the tarball cannot be read or has none.
 */
export function tarballEntry(file: string, name: string): string | undefined {
  let found: string | undefined
  try {
    loadTar().list({
      file,
      sync: true,
      onReadEntry: (entry) => {
        const parts = entry.path.replace(/^\.\//, '').split('/')
        if (found !== undefined || parts.at(-1) !== name || parts.length > 2) return entry.resume()
        const chunks: Buffer[] = []
        entry.on('data', (c: Buffer) => chunks.push(c))
        entry.on('end', () => (found ??= Buffer.concat(chunks).toString('utf8')))
      },
    })
  } catch {
    return undefined
  }
  return found
}

/** A JSON entry of a tarball, parsed; undefined when missing or not JSON. */
export function tarballJson(file: string, name: string): Record<string, unknown> | undefined {
  const text = tarballEntry(file, name)
  try {
    const v: unknown = text === undefined ? undefined : JSON.parse(text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
