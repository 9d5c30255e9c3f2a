/**
 * Molecule's platforms as Galley platforms: the image (with --bootstrap, a debootstrap platform
 * for Debian and Ubuntu images), `init: systemd` for images that boot their init, the container's
 * environment; every other driver setting is reported with why it has no place here.
 */
import {NAME_PATTERN} from '../config/schema.js'
import {archivedReleaseNote, debianFamily, imageForPlatformName} from '../import/images.js'
import {isInitCommand, PRIVILEGE_WITHOUT_SYSTEMD, systemdPrivilege, type TargetHost} from '../import/systemd.js'
import type {SourcePosition} from '../errors.js'
import type {Raw} from '../import/tree.js'
import type {MoleculeImport, Section} from './context.js'

export interface PlatformOut {
  /** Galley's name for it. */
  name: string
  /** Its name in molecule.yml: host_vars and the inventory use it. */
  molecule: string
  image: string | Raw
  init?: 'systemd'
  /** driver.privileged: systemd needs it on this host's engine. */
  privileged?: true
  env: Record<string, string>
  groups: string[]
  /** Why --bootstrap cannot build it (it is left out unless no platform of the scenario can be built). */
  leftOut?: {reason: string; ref: string; at: SourcePosition; key: string}
}

/**
 * What Molecule's default Dockerfile adds to an image that Galley's ansible install step does not
 * (it adds python3 and sudo): certificates for HTTPS downloads, and `ip`, without which Ansible
 * gathers no addresses (ansible_default_ipv4).
 */
const BASE_PACKAGES = ['ca-certificates', 'iproute2']

const CGROUP_VOLUME = /^\/sys\/fs\/cgroup(?::|$)/
const PORTS = 'Galley does not publish ports; tests run inside the instance and reach its services on 127.0.0.1'
const NETWORK = 'Galley puts every instance on its own bridge, with its own address'
const PRIVILEGE = 'Galley does not change container capabilities, devices or security options'
const BUILD = 'Galley does not build images'
const VAGRANT = 'a setting of virtual machines: Galley runs containers'

const REASONS: Record<string, string> = {
  hostname: 'Galley names the container after the instance',
  network_mode: NETWORK,
  networks: NETWORK,
  links: NETWORK,
  dns_servers: "Galley points instances at the bridge's DNS",
  etc_hosts: "Galley points instances at the bridge's DNS",
  published_ports: PORTS,
  exposed_ports: PORTS,
  capabilities: PRIVILEGE,
  security_opts: PRIVILEGE,
  devices: PRIVILEGE,
  ulimits: 'Galley sets limits with driver.memory, cpus and pids',
  sysctls: PRIVILEGE,
  volumes: 'Galley mounts only the project folder (at /tmp/galley); add other files to the project',
  tmpfs: 'Galley does not mount tmpfs filesystems',
  mounts: 'Galley mounts only the project folder (at /tmp/galley); add other files to the project',
  registry: 'Galley does not log in to registries: the image must be in the engine already',
  pull: 'Galley uses an engine image as it is when present and does not pull it',
  dockerfile: `${BUILD} from a Dockerfile: build it with the engine (docker build -t NAME .) and use that image`,
  buildargs: BUILD,
  build_args: BUILD,
  user: 'Galley runs steps as root (tests and verifiers take user:)',
  cgroupns_mode: 'Galley does not change cgroup namespaces',
  tty: 'not needed: Galley runs commands through the engine',
  children: "Galley puts the instance in every group its plays' hosts: name; nested groups are not made",
  box: VAGRANT,
  box_version: VAGRANT,
  memory: VAGRANT,
  cpus: VAGRANT,
  provider_options: VAGRANT,
  interfaces: VAGRANT,
  instance_raw_config_args: VAGRANT,
  config_options: VAGRANT,
}

/** A name Galley accepts for a platform or suite, reported when it had to change. */
export function galleyName(imp: MoleculeImport, raw: string, at: Parameters<MoleculeImport['report']>[1], key: string, fallback: string): string {
  if (NAME_PATTERN.test(raw)) return raw
  const fixed = raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || fallback
  imp.report('note', at, key, `\`${raw}\` is not a Galley name (letters, digits, '.', '_', '-'); imported as \`${fixed}\``)
  return fixed
}

/** Images made to boot systemd as their command (geerlingguy's docker-*-ansible, *-init, *systemd*). */
const INIT_IMAGE = /systemd|[-_:]init\b|docker-[a-z]+[\d.]*-ansible/

/**
 * Whether the platform's container boots systemd, as Molecule's docker and podman drivers start it:
 * a command that is an init; or the image's own command (`command: ""`, or override_command: false)
 * when the image boots systemd or the platform has the cgroup and privilege settings systemd needs.
 * With no command, Molecule runs a sleep loop instead, and nothing boots.
 */
function bootsInit(p: Section, command: string | undefined, override: boolean | undefined, ref: string): boolean {
  if (command !== undefined && command.trim() !== '' && override !== false) return isInitCommand(command)
  if (command === undefined && override !== false) return false
  const volumes = Array.isArray(p.obj.volumes) ? (p.obj.volumes as unknown[]).map(String) : []
  return volumes.some((v) => CGROUP_VOLUME.test(v)) || p.obj.cgroupns_mode === 'host' || p.obj.privileged === true || INIT_IMAGE.test(ref)
}

/** The platform's image as galley.yml names it; with --bootstrap, why it cannot be built when it cannot. */
function imageOf(imp: MoleculeImport, p: Section, name: string): {image: string | Raw | undefined; leftOut?: PlatformOut['leftOut']} {
  let at = p.has('image') ? p.at('image') : p.pos
  let key = p.key('image')
  let ref = p.str('image')?.trim()
  let from = ''
  let what = 'the engine image'
  const box = ref ? undefined : p.str('box')?.trim()
  if (box && imp.bootstrap && debianFamily(box)) {
    ref = box
    what = 'the Vagrant box'
    ;[at, key] = [p.at('box'), p.key('box')]
  } else if (!ref) {
    const guess = imageForPlatformName(name)
    if (!guess.known) return {image: undefined}
    ref = guess.ref
    from = " (no image: is written; taken from the platform's name)"
  }
  const family = imp.bootstrap ? debianFamily(ref) : undefined
  if (!family) {
    const reason = `platform \`${name}\` (image \`${ref}\`${from}) is left out: --bootstrap builds Debian and Ubuntu platforms only, and this image needs Docker or Podman (import without --bootstrap to keep it)`
    if (!imp.bootstrap) imp.report('note', at, key, `platform \`${name}\` uses the engine image \`${ref}\`${from}: it runs on Docker or Podman as it is when present; load it into the engine before galley test (--bootstrap builds Debian and Ubuntu platforms with debootstrap instead)`)
    return {image: ref, ...(imp.bootstrap ? {leftOut: {reason, ref, at, key}} : {})}
  }
  if (family.distro === 'ubuntu') {
    imp.report('note', at, key, `platform \`${name}\`: Ubuntu ${family.release} (${what} \`${ref}\`) is built as Debian ${family.debian} with debootstrap (--bootstrap): Galley builds Debian images only; tasks that check for Ubuntu will see Debian`)
  } else {
    imp.report('note', at, key, `platform \`${name}\` is built with debootstrap (Debian ${family.release}, with ${BASE_PACKAGES.join(' and ')}) instead of ${what} \`${ref}\` (--bootstrap)`)
  }
  const archived = archivedReleaseNote(name, family.debian)
  if (archived) imp.report('note', at, key, archived)
  return {image: {bootstrap: 'debootstrap', release: family.debian, packages: BASE_PACKAGES}}
}

/** One platform, for `host`; undefined when it has no name (reported). */
export function mapPlatform(imp: MoleculeImport, p: Section, index: number, host: TargetHost): PlatformOut | undefined {
  const molecule = p.str('name') ?? ''
  if (!molecule) {
    imp.report('unmapped', p.pos, p.where, 'a platform needs a name (Molecule rejects it too); left out')
    return undefined
  }
  const name = galleyName(imp, molecule, p.at('name'), p.key('name'), `platform${index + 1}`)
  const {image, leftOut} = imageOf(imp, p, name)
  if (image === undefined) {
    imp.report('unmapped', p.pos, p.where, `platform \`${name}\` names no image (a driver that makes machines itself needs none), and its name is no distribution's; left out`)
    return undefined
  }
  const override = p.bool('override_command')
  const command = p.str('command')
  const systemd = bootsInit(p, command, override, typeof image === 'string' ? image : String(p.obj.image ?? ''))
  if (p.has('pre_build_image') && p.bool('pre_build_image') === false) {
    imp.report('note', p.at('pre_build_image'), p.key('pre_build_image'), "Molecule builds an image from Dockerfile.j2 over this one (adding python3 and sudo); Galley uses the image as it is, and its ansible install step adds what ansible needs")
  }
  const out: PlatformOut = {name, molecule, image, env: {}, groups: p.list('groups') ?? [], ...(leftOut ? {leftOut} : {})}
  if (systemd) {
    out.init = 'systemd'
    const signs = ['command', 'cgroupns_mode', 'volumes', 'tmpfs'].filter((k) => p.has(k))
    for (const k of signs.filter((k) => k !== 'volumes' || (p.obj.volumes as unknown[]).every((v) => CGROUP_VOLUME.test(String(v)) || /^\/(?:run|tmp)\b/.test(String(v))))) {
      p.take(k)
      imp.report('note', p.at(k), p.key(k), `read as a container that boots systemd: the platform has init: systemd (Galley gives systemd its cgroup, and /run and /run/lock as tmpfs)`)
    }
  } else if (command !== undefined && command.trim() !== '') {
    imp.report('unmapped', p.at('command'), p.key('command'), `Galley runs its own PID 1 (the engine's init or a long sleep), not \`${command}\``)
  }
  if (p.has('privileged') && p.bool('privileged') === true) {
    const verdict = systemd ? systemdPrivilege(host) : {keep: false, reason: PRIVILEGE_WITHOUT_SYSTEMD}
    if (verdict.keep) out.privileged = true
    imp.report(systemd ? 'note' : 'unmapped', p.at('privileged'), p.key('privileged'), verdict.reason)
  }
  for (const key of ['env', 'environment']) {
    const env = p.section(key)
    if (!env) continue
    for (const [k, v] of Object.entries(env.obj)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && ['string', 'number', 'boolean'].includes(typeof v)) out.env[k] = String(v)
      else imp.report('unmapped', env.at(k), env.key(k), 'not NAME: value')
    }
    imp.report('note', p.at(key), p.key(key), "the container's environment became the provisioner's and verifier's env of this platform: steps and tests see it, other processes do not")
  }
  p.leftovers(REASONS, "a Molecule driver setting with no meaning for Galley's containers")
  return out
}
