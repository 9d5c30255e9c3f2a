/**
 * kitchen-docker and kitchen-dokken: each platform's image (named, or guessed from the platform's
 * name; debootstrap with --bootstrap), and the container settings Galley has a place for.
 */
import {MIN_MEMORY} from '../config/schema.js'
import {parseSize} from '../config/values.js'
import type {SourcePosition} from '../errors.js'
import {archivedReleaseNote, debootstrapFor, imageForPlatformName} from '../import/images.js'
import {commandStep} from './hooks.js'
import type {Importer} from './importer.js'
import type {Block} from './layers.js'
import {isObject, type KitchenStep, type Raw} from './mapper.js'
import {isInitCommand, PRIVILEGE_WITHOUT_SYSTEMD, systemdPrivilege} from '../import/systemd.js'
import {markUsed, posOf} from '../import/tree.js'

export {imageForPlatformName} from '../import/images.js'

/** The drivers whose settings are mapped; any other makes machines Galley does not. */
export const isMappedDriver = (name: string): boolean => name === 'docker' || name === 'dokken'

/**
 * A platform's image from the driver settings of its common and platform levels: an engine image
 * reference, or with --bootstrap a {bootstrap: ...} spec where one fits. `fallback` is where to
 * report when no image is written.
 */
export function platformImage(imp: Importer, block: Block, platform: Raw, name: string, fallback: SourcePosition): string | Raw {
  const driverName = (block.has('name') ? imp.str(block, 'name') : undefined) ?? ''
  const where = block.at('image')
  let ref = imp.str(block, 'image')
  let from = ''
  if (!ref) {
    const guess = imageForPlatformName(String(platform.name ?? name))
    ref = guess.ref
    from = guess.known ? `from its name` : `from its name by kitchen-docker's rule (not a distribution Galley knows; check it)`
    if (driverName === 'dokken' && !guess.known) from = `from its name by kitchen-dokken's rule (check it)`
  }
  const at = where?.pos ?? fallback
  const key = where?.where ?? `platforms[${name}]`
  if (imp.bootstrap) {
    const spec = debootstrapFor(ref) ?? (from ? debootstrapFor(String(platform.name)) : undefined)
    if (/^busybox(?::[\w.-]+)?$/.test(ref)) {
      imp.report('note', at, key, `platform \`${name}\` uses Galley's busybox image (the host's busybox-static) instead of the engine image \`${ref}\` (--bootstrap)`)
      return {bootstrap: 'busybox'}
    }
    if (spec) {
      imp.report('note', at, key, `platform \`${name}\` is built with debootstrap (release ${spec.release}) instead of the engine image \`${ref}\` (--bootstrap)`)
      const archived = archivedReleaseNote(name, spec.release)
      if (archived) imp.report('note', at, key, archived)
      return spec
    }
    if (/^(?:[\w.-]+\/)?ubuntu[:-]/.test(ref)) imp.report('note', at, key, `--bootstrap: Ubuntu releases need Ubuntu's mirror, which debootstrap here does not use; kept the engine image \`${ref}\``)
  }
  imp.report('note', at, key, `platform \`${name}\` uses the engine image \`${ref}\`${from ? ` (${from})` : ''}: Galley runs it on Docker or Podman only, as it is when present; there is no registry to pull from here, so load it into the engine before galley test`)
  return ref
}

/** Each mapped driver's key for the container's PID 1. */
const PID_ONE: Record<string, string> = {docker: 'run_command', dokken: 'pid_one_command'}

/**
 * Whether a platform's containers boot systemd: its driver's PID 1 command (kitchen-dokken's
 * pid_one_command, kitchen-docker's run_command) starts an init. Read from the common and platform
 * levels only: init: is a platform's setting. Any other command is reported: Galley runs its own.
 */
export function platformInit(imp: Importer, block: Block): 'systemd' | undefined {
  const key = PID_ONE[(block.has('name') ? imp.str(block, 'name') : undefined) ?? '']
  const place = key ? block.at(key) : undefined
  if (!key || !place) return undefined
  const command = imp.str(block, key)
  if (command === undefined) return undefined
  if (isInitCommand(command)) {
    imp.report('note', place.pos, place.where, "became init: systemd: Galley boots the image's systemd as PID 1 and waits for it before converge")
    return 'systemd'
  }
  imp.report('unmapped', place.pos, place.where, `Galley runs its own PID 1 (a keep-alive loop, or the image's systemd with init: systemd), not \`${command}\``)
  return undefined
}

export interface DriverMapping {
  /** The kitchen driver's name ('dummy', Test Kitchen's default, when none is written). */
  name: string
  /** galley.yml's driver settings. */
  driver: Raw
  /** Steps the driver ran in the container (provision_command). */
  steps: KitchenStep[]
  /** The container's environment (kitchen-dokken's env). */
  env: Record<string, string>
}

/** The driver settings of one instance, whose platform boots systemd or not. */
export function mapDriver(imp: Importer, d: Block, systemd: boolean): DriverMapping {
  const name = (d.has('name') ? imp.str(d, 'name') : 'dummy') ?? 'unknown'
  const out: DriverMapping = {name, driver: {}, steps: [], env: {}}
  if (isMappedDriver(name)) {
    d.take('image') // imported per platform
    const memKey = name === 'dokken' ? 'memory_limit' : 'memory'
    const mem = d.has(memKey) ? imp.str(d, memKey) : undefined
    if (mem !== undefined && mem !== '0') {
      const bytes = parseSize(mem)
      if (bytes !== undefined && bytes >= MIN_MEMORY) out.driver.memory = mem
      else imp.report('unmapped', d.at(memKey)!.pos, d.at(memKey)!.where, `\`${mem}\` is not a memory size Galley accepts (such as 512M, at least 8M)`)
    }
    const socket = d.has('socket') ? imp.str(d, 'socket') : undefined
    if (socket) out.driver.socket = socket.replace(/^unix:\/\//, '')
    const privileged = d.has('privileged') ? imp.str(d, 'privileged') : undefined
    if (privileged === 'true') {
      const at = d.at('privileged')!
      const verdict = systemd ? systemdPrivilege(imp.host) : {keep: false, reason: PRIVILEGE_WITHOUT_SYSTEMD}
      if (verdict.keep) out.driver.privileged = true
      imp.report(systemd ? 'note' : 'unmapped', at.pos, at.where, verdict.reason)
    } else if (privileged !== undefined && privileged !== 'false') {
      imp.report('unmapped', d.at('privileged')!.pos, d.at('privileged')!.where, `\`${privileged}\` is not true or false`)
    }
    if (d.has('provision_command')) {
      for (const run of imp.list(d, 'provision_command') ?? []) out.steps.push(commandStep('provision_command', run))
    }
    if (name === 'dokken' && d.has('env')) {
      const at = d.at('env')!
      const v = imp.value(d, 'env')
      for (const entry of Array.isArray(v) ? v : isObject(v) ? Object.entries(v).map(([k, x]) => `${k}=${x}`) : []) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(String(entry))
        if (m) out.env[m[1]] = m[2]
        else imp.report('unmapped', at.pos, at.where, `\`${entry}\` is not NAME=value`)
      }
      imp.report('note', at.pos, at.where, "the container's environment became the provisioner's and verifier's env: steps and tests see it, other processes do not")
    }
  } else {
    const at = d.at('name')
    if (at) imp.report('unmapped', at.pos, at.where, `the ${name} driver makes machines Galley does not; Galley runs containers (LXC, Docker, Podman), so each platform got a container image by its name`)
  }
  const platformOnly: [string | undefined, string][] = [
    ['image', 'a suite cannot choose the image in Galley: images belong to platforms'],
    [PID_ONE[name], "a suite cannot choose PID 1 in Galley: init: is a platform's setting"],
  ]
  for (const [key, why] of platformOnly) {
    const suiteLevel = key ? d.layers.find((l) => l.level === 'suite' && key in l.obj) : undefined
    if (!key || !suiteLevel) continue
    markUsed(suiteLevel.obj, key)
    imp.report('unmapped', posOf(suiteLevel.obj, key)!, `${suiteLevel.where}.${key}`, why)
  }
  return out
}
