/**
 * A driver with no engine, for unit tests of the lifecycle only (like Test Kitchen's dummy driver).
 * Inline commands are interpreted: `sleep MS`, `exit N`, `echo TEXT`; anything else exits 0.
 * It can be told to fail at create and counts what it was asked to do.
 */
import {Readable} from 'node:stream'
import type {ContainerHandle, CreateOptions, DoctorCheck, Driver, ExecOptions, Snapshot, SnapshotInfo} from '../../drivers/driver.js'
import {describeImage, type ImageSpec} from '../../src/config/types.js'
import {EngineError} from '../../src/errors.js'

export interface FakeOptions {
  failCreate?: boolean
}

export class FakeDriver implements Driver {
  readonly name = 'fake'
  readonly mountsHostFolders = false
  readonly containers = new Map<string, {labels: Record<string, string>; files: string[]}>()
  readonly calls: string[] = []
  running = 0
  maxRunning = 0

  constructor(private readonly options: FakeOptions = {}) {}

  async doctor(): Promise<DoctorCheck[]> {
    return [{name: 'fake', ok: true, detail: 'no engine'}]
  }

  async ensureImage(spec: ImageSpec): Promise<Snapshot> {
    this.calls.push(`image ${describeImage(spec)}`)
    return {id: `fake-${describeImage(spec)}`, driver: this.name}
  }

  async create(options: CreateOptions): Promise<ContainerHandle> {
    this.calls.push(`create ${options.name}`)
    await new Promise((r) => setTimeout(r, 1))
    if (this.options.failCreate) throw new EngineError(`fake engine refused to create ${options.name}`)
    if (this.containers.has(options.name)) throw new EngineError(`container ${options.name} already exists`)
    this.containers.set(options.name, {labels: options.labels, files: []})
    return {driver: this.name, name: options.name}
  }

  async exec(handle: ContainerHandle, argv: string[], options: ExecOptions = {}): Promise<number> {
    if (!this.containers.has(handle.name)) throw new EngineError(`no container ${handle.name}`)
    const script = argv[0] === '/bin/sh' && argv[1] === '-c' ? argv[2] : argv.join(' ')
    this.calls.push(`exec ${handle.name} ${script}`)
    this.running++
    this.maxRunning = Math.max(this.maxRunning, this.running)
    try {
      const sleep = /^sleep (\d+)$/.exec(script)
      if (sleep) await new Promise((r) => setTimeout(r, Number(sleep[1])))
      const echo = /^echo (.*)$/.exec(script)
      if (echo) options.onStdout?.(Buffer.from(`${echo[1]}\n`))
      const exit = /^exit (\d+)$/.exec(script)
      return exit ? Number(exit[1]) : 0
    } finally {
      this.running--
    }
  }

  readonly snapshots = new Map<string, string>()

  async snapshot(handle: ContainerHandle, key: string): Promise<Snapshot> {
    this.calls.push(`snapshot ${handle.name} ${key.slice(0, 8)}`)
    this.snapshots.set(key, handle.name)
    return {id: `fake-step-${key}`, driver: this.name}
  }

  async findSnapshot(key: string): Promise<Snapshot | undefined> {
    return this.snapshots.has(key) ? {id: `fake-step-${key}`, driver: this.name} : undefined
  }

  async listSnapshots(): Promise<SnapshotInfo[]> {
    return [...this.snapshots.keys()].map((key) => ({id: `fake-step-${key}`, key, createdAt: new Date(0).toISOString(), inUse: false}))
  }

  async removeSnapshot(id: string): Promise<boolean> {
    return this.snapshots.delete(id.replace('fake-step-', ''))
  }

  async promote(handle: ContainerHandle, ref: string): Promise<void> {
    this.calls.push(`promote ${handle.name} ${ref}`)
  }

  async saveImage(): Promise<void> {}
  async pushImage(): Promise<void> {}
  async removeDebris(): Promise<string[]> {
    return []
  }

  async interactive(): Promise<number> {
    return 0
  }

  async copyIn(handle: ContainerHandle, tar: Readable, dest: string): Promise<void> {
    for await (const chunk of tar) void chunk
    this.containers.get(handle.name)?.files.push(dest)
  }

  async copyOut(): Promise<Readable> {
    return Readable.from([])
  }

  async destroy(handle: ContainerHandle): Promise<void> {
    this.calls.push(`destroy ${handle.name}`)
    this.containers.delete(handle.name)
  }

  async list(labels: Record<string, string>): Promise<ContainerHandle[]> {
    return [...this.containers.entries()]
      .filter(([, c]) => Object.entries(labels).every(([k, v]) => c.labels[k] === v))
      .map(([name, c]) => ({driver: this.name, name, instance: c.labels['galley.instance']}))
  }
}
