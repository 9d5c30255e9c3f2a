/**
 * Engine images as the importers read them: the image a platform's name stands for, and, with
 * --bootstrap, the debootstrap platform that runs a Debian (or Ubuntu) image on every engine here.
 */
import {archiveOf} from '../images/archived.js'

export type DebootstrapImage = {bootstrap: 'debootstrap'; release: string}

const DEBIAN: Record<string, string> = {'10': 'buster', '11': 'bullseye', '12': 'bookworm', '13': 'trixie'}
const DEBIAN_CODENAMES = new Set(Object.values(DEBIAN))

/** Official image names of distributions, by the first word of a platform name. */
const DISTROS: Record<string, string> = {
  ubuntu: 'ubuntu',
  debian: 'debian',
  centos: 'centos',
  fedora: 'fedora',
  rockylinux: 'rockylinux',
  rocky: 'rockylinux',
  almalinux: 'almalinux',
  alma: 'almalinux',
  amazonlinux: 'amazonlinux',
  amazon: 'amazonlinux',
  oraclelinux: 'oraclelinux',
  oracle: 'oraclelinux',
  alpine: 'alpine',
  archlinux: 'archlinux',
  busybox: 'busybox',
}

/** The engine image a platform name stands for: `ubuntu-22.04` → `ubuntu:22.04`. */
export function imageForPlatformName(name: string): {ref: string; known: boolean} {
  const suse = /^opensuse-leap-(.+)$/.exec(name)
  if (suse) return {ref: `opensuse/leap:${suse[1]}`, known: true}
  const [distro, ...rest] = name.split('-')
  const version = rest.join('-')
  const official = DISTROS[distro.toLowerCase()]
  if (official) return {ref: version ? `${official}:${version}` : official, known: true}
  // kitchen-docker's own rule: the first two dash-separated words are name and tag.
  return {ref: rest[0] ? `${distro}:${rest[0]}` : distro, known: false}
}

/** A debootstrap spec for a Debian image reference or platform name (`debian:12`, `debian-bookworm-slim`), when there is one. */
export function debootstrapFor(ref: string): DebootstrapImage | undefined {
  const m = /^(?:[\w.-]+\/)?debian[:-]([\w.]+?)(?:-slim)?$/.exec(ref)
  if (!m) return undefined
  const release = DEBIAN[m[1].split('.')[0]] ?? (DEBIAN_CODENAMES.has(m[1]) ? m[1] : undefined)
  return release ? {bootstrap: 'debootstrap', release} : undefined
}

/** Ubuntu releases by version and codename, with the Debian release of the same generation. */
const UBUNTU: Record<string, {version: string; debian: string}> = {
  bionic: {version: '18.04', debian: 'buster'},
  focal: {version: '20.04', debian: 'bullseye'},
  jammy: {version: '22.04', debian: 'bookworm'},
  noble: {version: '24.04', debian: 'bookworm'},
}

/**
 * The Debian or Ubuntu release an image reference names anywhere in it, as official images
 * (`debian:12`, `ubuntu:jammy`) and the images Molecule users run (`geerlingguy/docker-debian12-ansible`,
 * `docker.io/ubuntu2204`) write it; undefined for any other distribution.
 */
export function debianFamily(ref: string): {distro: 'debian' | 'ubuntu'; release: string; debian: string} | undefined {
  const text = ref.toLowerCase()
  const debian = /debian[-_:]?(\d{1,2})(?![\d.])/.exec(text) ?? (text.includes('debian') ? /(buster|bullseye|bookworm|trixie)/.exec(text) : null)
  if (debian) {
    const release = DEBIAN[debian[1]] ?? debian[1]
    return {distro: 'debian', release, debian: release}
  }
  // The current stable release, as `debian` and `debian:latest` name it.
  if (/(?:^|[/:-])debian(?::(?:latest|stable(?:-slim)?))?$/.test(text)) return {distro: 'debian', release: 'trixie', debian: 'trixie'}
  const ubuntu = /ubuntu[-_:]?(\d{2})\.?(04|10)|ubuntu[-_:]?(bionic|focal|jammy|noble)/.exec(text)
  if (!ubuntu) return undefined
  const entry = ubuntu[3] ? UBUNTU[ubuntu[3]] : Object.values(UBUNTU).find((u) => u.version === `${ubuntu[1]}.${ubuntu[2]}`)
  const version = ubuntu[3] ? UBUNTU[ubuntu[3]].version : `${ubuntu[1]}.${ubuntu[2]}`
  return {distro: 'ubuntu', release: version, debian: entry?.debian ?? (Number(ubuntu[1]) < 22 ? 'bullseye' : 'bookworm')}
}

/** What an importer notes of a debootstrap platform on an archived release: set the archive as its mirror. */
export function archivedReleaseNote(name: string, release: string): string | undefined {
  const archive = archiveOf(release)
  if (!archive) return undefined
  return `platform \`${name}\`: ${archive.distro} ${release} is archived, and debootstrap's default mirror no longer has it: add \`mirror: ${archive.mirror}\` to the platform's image, or the build fails getting the release file`
}
