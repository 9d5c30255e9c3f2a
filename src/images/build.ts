/** Builds base images as plain root filesystem directories in Galley's store, once per spec. */
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'
import {ImageBuildError} from '../errors.js'
import type {BootstrapSpec} from '../config/types.js'
import {diskUsage, hasImage, imageDir, imageId, moveIntoPlace, readImage, storeDir, storePath, type ImageRecord} from './store.js'
import {archiveOf} from './archived.js'

const HOST_BUSYBOX = '/bin/busybox'
const inFlight = new Map<string, Promise<ImageRecord>>()

/** Identifies the host's busybox by its file, not by running it: spawning costs more than the rest of a create. */
function busyboxVersion(): string {
  const st = statSync(HOST_BUSYBOX, {throwIfNoEntry: false})
  if (!st) {
    throw new ImageBuildError(`${HOST_BUSYBOX} not found: the busybox image is made from the host's busybox-static`, {
      hint: 'Install it: apt-get install busybox-static',
    })
  }
  return `busybox size=${st.size} mtime=${Math.floor(st.mtimeMs)}`
}

/** The id the spec's image has (or will have) in the store. */
export function imageIdFor(spec: BootstrapSpec): string {
  if (spec.bootstrap === 'busybox') return imageId(spec, busyboxVersion())
  // The systemd preparation is part of the builder: the same packages without it are another image.
  return imageId(spec, spec.init === 'systemd' ? 'debootstrap-1 systemd-1' : 'debootstrap-1')
}

/**
 * Readies a debootstrapped tree to boot systemd as many instances at once. debootstrap leaves a
 * fixed machine id (every instance would share it; empty, systemd makes one at each boot) and the
 * build host's /etc/hostname (systemd would set it over the instance's name).
 */
function prepareSystemd(rootfs: string): void {
  writeFileSync(path.join(rootfs, 'etc/machine-id'), '')
  mkdirSync(path.join(rootfs, 'var/lib/dbus'), {recursive: true})
  rmSync(path.join(rootfs, 'var/lib/dbus/machine-id'), {force: true})
  symlinkSync('/etc/machine-id', path.join(rootfs, 'var/lib/dbus/machine-id'))
  rmSync(path.join(rootfs, 'etc/hostname'), {force: true})
}

function buildBusybox(rootfs: string): void {
  const binary = readFileSync(HOST_BUSYBOX)
  if (binary.includes('/lib64/ld-linux') || binary.includes('/lib/ld-linux')) {
    throw new ImageBuildError(`${HOST_BUSYBOX} is dynamically linked and would not run inside a container`, {
      hint: 'Install the static build: apt-get install busybox-static',
    })
  }
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'proc', 'sys', 'dev', 'run', 'var/run', 'var/log', 'var/tmp', 'home']) {
    mkdirSync(path.join(rootfs, d), {recursive: true})
  }
  chmodSync(path.join(rootfs, 'tmp'), 0o1777)
  chmodSync(path.join(rootfs, 'var/tmp'), 0o1777)
  writeFileSync(path.join(rootfs, 'bin/busybox'), binary, {mode: 0o755})
  const applets = spawnSync(HOST_BUSYBOX, ['--list-full'], {encoding: 'utf8'}).stdout.split('\n').filter(Boolean)
  for (const applet of applets) {
    const target = path.join(rootfs, applet)
    if (!existsSync(target)) symlinkSync('/bin/busybox', target)
  }
  writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n')
  writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n')
  writeFileSync(path.join(rootfs, 'etc/hosts'), '127.0.0.1 localhost\n::1 localhost\n')
  writeFileSync(path.join(rootfs, 'etc/os-release'), 'NAME=BusyBox\nID=busybox\n')
}

function runDebootstrap(spec: Extract<BootstrapSpec, {bootstrap: 'debootstrap'}>, rootfs: string, onProgress: (line: string) => void, signal?: AbortSignal): Promise<void> {
  const args = [`--variant=${spec.variant}`]
  if (spec.packages.length > 0) args.push(`--include=${spec.packages.join(',')}`)
  args.push(spec.release, rootfs)
  // Without a mirror argument debootstrap uses Debian's default mirror.
  if (spec.mirror) args.push(spec.mirror)
  return new Promise((resolve, reject) => {
    const child = spawn('debootstrap', args, {stdio: ['ignore', 'pipe', 'pipe'], signal})
    const tail: string[] = []
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split('\n').filter(Boolean)) {
        tail.push(line)
        if (tail.length > 20) tail.shift()
        onProgress(line)
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new ImageBuildError('debootstrap is not installed', {cause: error, hint: 'Install it: apt-get install debootstrap'}))
      else reject(new ImageBuildError(`debootstrap of ${spec.release} failed to run`, {cause: error}))
    })
    child.on('close', (code) => {
      if (code === 0) resolve()
      else reject(new ImageBuildError(`debootstrap of ${spec.release} exited with ${code}:\n${tail.slice(-8).join('\n')}`, {hint: failureHint(spec)}))
    })
  })
}

/** What to check when debootstrap fails: an archived release needs its archive as the mirror (exported for its test). */
export function failureHint(spec: {release: string; mirror?: string}): string {
  const archive = archiveOf(spec.release)
  if (archive && !spec.mirror) return `${archive.distro} ${spec.release} is archived and debootstrap's default mirror no longer has it: set \`mirror: ${archive.mirror}\` in the platform's image.`
  return "Check the release name, the package names and that Debian's mirror is reachable."
}

/** Removes half-built images left by runs that were killed (their process is gone). */
async function removeAbandonedBuilds(): Promise<void> {
  for (const name of readdirSync(storeDir('images'))) {
    const pid = Number(/^\.tmp-base-[0-9a-f]+-(\d+)-/.exec(name)?.[1])
    if (!pid) continue
    try {
      process.kill(pid, 0)
    } catch {
      await rm(path.join(storeDir('images'), name), {recursive: true, force: true})
    }
  }
}

async function build(spec: BootstrapSpec, id: string, onProgress: (line: string) => void, signal?: AbortSignal): Promise<ImageRecord> {
  await removeAbandonedBuilds()
  const tmp = storePath('images', `.tmp-${id}-${process.pid}-${Date.now()}`)
  const rootfs = path.join(tmp, 'rootfs')
  mkdirSync(rootfs, {recursive: true})
  try {
    if (spec.bootstrap === 'busybox') buildBusybox(rootfs)
    else {
      await runDebootstrap(spec, rootfs, onProgress, signal)
      if (spec.init === 'systemd') prepareSystemd(rootfs)
    }
    const record: ImageRecord = {id, spec, createdAt: new Date().toISOString(), size: diskUsage(rootfs)}
    writeFileSync(path.join(tmp, 'image.json'), JSON.stringify(record, null, 2) + '\n')
    if (!(await moveIntoPlace(tmp, imageDir(id), () => hasImage(id)))) {
      // Another run finished the same image first: use theirs.
      await rm(tmp, {recursive: true, force: true})
      return readImage(id)
    }
    return record
  } catch (error) {
    await rm(tmp, {recursive: true, force: true})
    throw error
  }
}

/** Returns the image for `spec`, building it the first time; concurrent callers share one build. */
export async function ensureImage(spec: BootstrapSpec, onProgress: (line: string) => void = () => {}, signal?: AbortSignal): Promise<ImageRecord> {
  const id = imageIdFor(spec)
  if (hasImage(id)) return readImage(id)
  let pending = inFlight.get(id)
  if (!pending) {
    pending = build(spec, id, onProgress, signal).finally(() => inFlight.delete(id))
    inFlight.set(id, pending)
  }
  return pending
}
