/**
 * Releases debootstrap's default mirrors no longer serve, with the mirror that still does. Debian
 * moves a release to archive.debian.org some time after its long-term support ends; Ubuntu moves
 * an interim release (and an LTS past its extended support) to old-releases.ubuntu.com. An image of
 * one builds only with `mirror:` set, so the importers note it and the debootstrap failure hint
 * names the archive. The one list of them: add a release here when its distribution archives it.
 */
const ARCHIVED: {distro: string; mirror: string; releases: ReadonlySet<string>}[] = [
  {distro: 'Debian', mirror: 'http://archive.debian.org/debian', releases: new Set(['buster', 'stretch', 'jessie', 'wheezy', 'squeeze', 'lenny', 'etch'])},
  {
    distro: 'Ubuntu',
    mirror: 'http://old-releases.ubuntu.com/ubuntu',
    releases: new Set(['mantic', 'lunar', 'kinetic', 'impish', 'hirsute', 'groovy', 'eoan', 'disco', 'cosmic', 'artful', 'zesty', 'yakkety', 'wily', 'vivid', 'utopic', 'saucy', 'raring', 'quantal', 'precise', 'lucid']),
  },
]

/** The archive that still serves `release` (a debootstrap suite name) when the default mirror no longer does. */
export function archiveOf(release: string): {distro: string; mirror: string} | undefined {
  const found = ARCHIVED.find((a) => a.releases.has(release))
  return found ? {distro: found.distro, mirror: found.mirror} : undefined
}
