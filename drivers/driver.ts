/**
 * The contract every container engine implements. Galley's instance runs speak only to this interface;
 * the engines (drivers/lxc, later drivers/docker) keep their engine calls behind it.
 */
import type {ArchiveFormat} from '../src/images/archive.js'
import type {Readable} from 'node:stream'
import type {ImageSpec, InitSystem} from '../src/config/types.js'
import {EngineError} from '../src/errors.js'
import type {TaskKind} from '../src/model.js'

/**
 * The engine does not answer: down, gone, or out of reach (refused, reset, timed out, an SSH
 * login refused). A pool stops placing instances on it; the instances on it fail.
 */
export class EngineUnreachable extends EngineError {}

/** A frozen filesystem state that containers are cloned from (a base image, later a cached step). */
export interface Snapshot {
  /** Engine-scoped id, stable for the same content (base images: `base-<hash of spec>`). */
  id: string
  driver: string
}

/** How to find a running container again, from this process or a later one (it is stored in .galley/). */
export interface ContainerHandle {
  driver: string
  /** Engine's container name. */
  name: string
  /** Galley's instance name, when the handle came from `list`. */
  instance?: string
  /** Whether the container runs, when the handle came from `list`. */
  running?: boolean
  /** The run that made it and its project folder (labels galley.run, galley.root), from `list`. */
  run?: string
  root?: string
  /** `systemd` when the image's systemd is its PID 1 (from `create`, and from `list` where the engine keeps it). */
  init?: InitSystem
  /**
   * Engine-specific details (LXC: lxcpath, address; Docker: `socket`, the engine's address). A
   * container made in a pool also carries `engine`, the name of the pool's engine holding it.
   */
  [key: string]: string | number | boolean | undefined
}

export interface Limits {
  /** Bytes. */
  memory?: number
  cpus?: number
  pids?: number
}

/**
 * How often a container's limits were hit since it started, as its cgroups count them. The counts
 * only grow: compare them before and after a command to know whether it hit one.
 */
export interface LimitCounters {
  /** Forks the pids limit refused (pids.events `max`). */
  pids: number
  /** Processes the kernel killed for want of memory (`oom_kill` of memory.events, or of memory.oom_control on cgroup v1). */
  memory: number
}

export interface CreateOptions {
  /** Galley's instance name, used as the hostname. */
  instance: string
  /** Engine-unique container name. */
  name: string
  snapshot: Snapshot
  limits: Limits
  labels: Record<string, string>
  /**
   * Host folders that appear inside the container, writable there, with the container's changes
   * kept apart from the host (the project folder, so steps need no upload).
   */
  mounts?: {source: string; target: string}[]
  /**
   * PID 1: `none` (the default) a keep-alive loop; `systemd` the image's own systemd, unprivileged,
   * and `create` resolves once it has finished booting (running or degraded).
   */
  init?: InitSystem
  /** Docker and Podman: a privileged container (never needed for systemd; for recipes that want one). */
  privileged?: boolean
  /** Told what the console and log should say about the start (a degraded boot's failed units). */
  onNote?: (message: string) => void
  signal?: AbortSignal
}

export interface ExecOptions {
  env?: Record<string, string>
  cwd?: string
  /** Bytes fed to the process's standard input; none means /dev/null. */
  stdin?: Readable | Buffer | string
  onStdout?: (chunk: Buffer) => void
  onStderr?: (chunk: Buffer) => void
  /**
   * Aborting it kills the command and every process it started (its whole tree, on every engine:
   * those that left its session too, as long as they keep its environment), and exec then resolves
   * with the status that gave (137 when the command itself was killed). Aborted after the command
   * ended, it kills what the command left running (so pass a signal made for this one command). A
   * command whose signal is aborted before it starts does not start (137). Galley aborts it when a
   * step or test runs over its timeout or hits a limit of its instance, and on an interrupt.
   */
  signal?: AbortSignal
  /** The step or test this command is, when it is one (not Galley's own probes): for logs and the dummy driver. */
  task?: {kind: TaskKind; name: string}
}

export interface DoctorCheck {
  name: string
  ok: boolean
  detail: string
  /** What to do when not ok. */
  fix?: string
}

/** A step snapshot as `galley cache ls` shows it. */
export interface SnapshotInfo {
  id: string
  /** The step cache key it was stored under. */
  key: string
  createdAt: string
  /** Bytes on disk (LXC: its layer; Docker: the image's own size), when known. */
  size?: number
  /** Whether a container is built on it now (it cannot be removed then). */
  inUse: boolean
}

export interface ImageProgress {
  (line: string): void
}

export interface Driver {
  readonly name: string
  /**
   * Which engine, for a driver that can reach more than one (Docker: a pool entry's name, a
   * Docker context's name, or the address); reports name it beside each instance.
   */
  readonly location?: string
  /** Whether `create` can mount host folders (CreateOptions.mounts); otherwise files are copied in. */
  readonly mountsHostFolders: boolean
  /** Is the engine usable here: version, permissions, network. */
  doctor(): Promise<DoctorCheck[]>
  /** Makes (or finds) the base snapshot for an image spec; idempotent, keyed by the spec's hash. */
  ensureImage(spec: ImageSpec, onProgress?: ImageProgress, signal?: AbortSignal): Promise<Snapshot>
  /**
   * Starts an ephemeral container cloned from a snapshot; with `init: systemd`, boots it and waits
   * for the boot to finish. Throws SystemdBootError when the image has no systemd or it does not boot.
   */
  create(options: CreateOptions): Promise<ContainerHandle>
  /** Runs argv in the container, streaming output as it comes; resolves to the exit code. */
  exec(handle: ContainerHandle, argv: string[], options?: ExecOptions): Promise<number>
  /**
   * How often the container's limits were hit so far; undefined when the engine cannot tell (an
   * engine on another machine, whose cgroups this process cannot read).
   */
  limitsHit(handle: ContainerHandle): Promise<LimitCounters | undefined>
  /** Runs an interactive program attached to this process's terminal. */
  interactive(handle: ContainerHandle, argv: string[]): Promise<number>
  /**
   * Freezes the container's filesystem as the snapshot stored under `key` (a step's cache key):
   * LXC copies the overlay's upper directory into a layer while the container is frozen; Docker
   * commits. Containers created from it start where this one is now.
   */
  snapshot(handle: ContainerHandle, key: string): Promise<Snapshot>
  /** The snapshot stored under `key`, if this engine has it. */
  findSnapshot(key: string): Promise<Snapshot | undefined>
  listSnapshots(): Promise<SnapshotInfo[]>
  /** Removes a snapshot no container and no other snapshot is built on; false if it is in use. */
  removeSnapshot(id: string): Promise<boolean>
  /**
   * Turns the container into a shippable image named `ref` in the engine's image store, with
   * `labels` on it (LXC: a base image in Galley's store that platforms can name; Docker: an image).
   */
  promote(handle: ContainerHandle, ref: string, labels: Record<string, string>): Promise<void>
  /**
   * Writes image `ref` as an archive that `docker load` and `podman load` accept: a docker-archive,
   * or an oci-archive (an OCI image layout that carries Docker's manifest.json too).
   */
  saveImage(ref: string, format: ArchiveFormat, file: string): Promise<void>
  /** Pushes image `ref` (which names its registry: host[:port]/name:tag) to that registry. */
  pushImage(ref: string, onProgress?: (line: string) => void): Promise<void>
  /** Extracts a tar stream into `dest` (created if missing) inside the container. */
  copyIn(handle: ContainerHandle, tar: Readable, dest: string): Promise<void>
  /** A tar stream of `path` inside the container. */
  copyOut(handle: ContainerHandle, path: string): Promise<Readable>
  /**
   * Stops and removes the container; a container that is already gone is not an error. A systemd
   * instance is shut down through systemd first, and killed when that takes more than a few seconds.
   */
  destroy(handle: ContainerHandle): Promise<void>
  /**
   * Optional: frees the container's name at once and removes the container in the background, so
   * the step cache's restore makes its successor meanwhile; `removed` settles as destroy would.
   * Undefined when this container cannot be retired so: destroy it then.
   */
  retire?(handle: ContainerHandle): Promise<{removed: Promise<void>} | undefined>
  /** Galley's containers on this engine whose labels include `labels` (all of Galley's for `{}`). */
  list(labels: Record<string, string>): Promise<ContainerHandle[]>
  /**
   * Removes what killed or crashed Galley processes left that is not a container: half-copied
   * layers and images, mount volumes and folders of containers that are gone. Returns what it removed.
   */
  removeDebris(): Promise<string[]>
  /**
   * Images (snapshot ids or image references) as one docker-archive stream. Engines of a pool
   * hand images to one another through this and importImages (Docker: save, then load), so a step
   * snapshot one engine has is copied to another rather than built again when that is faster.
   */
  exportImages?(ids: string[]): Promise<Readable>
  /** Loads a docker-archive stream that exportImages made, on this engine or another. */
  importImages?(tar: Readable): Promise<void>
  /** Bytes the image takes (its layers together); undefined when this engine does not have it. */
  imageSize?(id: string): Promise<number | undefined>
}
