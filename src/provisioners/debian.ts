/** The Debian releases whose packages Galley knows (Ansible's routing, Puppet's module packages), and how a platform names one. */
import {isImageRef, type ImageSpec} from '../config/types.js'

export type DebianRelease = 'bullseye' | 'bookworm' | 'trixie'

const RELEASES: Record<string, DebianRelease> = {bullseye: 'bullseye', bookworm: 'bookworm', trixie: 'trixie', '11': 'bullseye', '12': 'bookworm', '13': 'trixie'}

/** The Debian release a platform's image is, when Galley can tell (`bookworm`, `debian:12`, `debian:bullseye-slim`). */
export function releaseOf(image: ImageSpec): DebianRelease | undefined {
  const word = isImageRef(image) ? (/(?:^|\/)debian[:-](\w+)/.exec(image.ref)?.[1] ?? '') : image.bootstrap === 'debootstrap' ? image.release : ''
  const known = (w: string) => (Object.hasOwn(RELEASES, w) ? RELEASES[w] : undefined)
  return known(word) ?? known(word.split('.')[0])
}
