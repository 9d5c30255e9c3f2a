/**
 * One instance (a suite on a platform) and its actions. A small state machine in the manner of Test
 * Kitchen: `plan` says which actions lead from the last state to the one asked for, and each action
 * records the state it reached in the StateStore before and after touching the engine.
 */
import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'
import type {ContainerHandle, Driver, Snapshot} from '../../drivers/driver.js'
import type {InstanceSpec} from '../config/types.js'
import {EngineError, GalleyError, InterruptedError} from '../errors.js'
import {instanceEnv, PROJECT_DIR, type InstancePlan, type Phase, type TaskCommand, type TaskResult} from '../model.js'
import type {ProvisionStep} from '../provisioners/index.js'
import {runCaseVerifiers} from '../verifiers/index.js'
import {stepKeys} from './cache.js'
import {DEFAULT_PIDS, execGuarded, timeoutFor, type LimitWatch} from './guard.js'
import {LineSplitter} from './output-lines.js'
import {watchServices, type ServiceWatch} from './services.js'
import {afterIdempotenceAt, fallbackPlan, planTasks, type InstanceTasks} from './tasks.js'
import {verifyContext} from './verify-context.js'
import type {RunEmitter} from './events.js'
import {plan, type Action} from './plan.js'
import type {LifecycleState, StateStore} from './state.js'

export {plan, type Action} from './plan.js'

const TAIL_LINES = 30
const MAX_JUDGED_OUTPUT = 4 << 20

/** A step or test that did not pass: the instance failed, the engine is fine. */
export class TaskFailed extends GalleyError {
  constructor(readonly result: TaskResult) {
    super(result.message ?? `${result.kind} ${result.name} failed`)
  }
}

export function projectId(root: string): string {
  return createHash('sha256').update(root).digest('hex').slice(0, 8)
}

export interface InstanceDeps {
  spec: InstanceSpec
  driver: Driver
  store: StateStore
  events: RunEmitter
  /** The project folder (holding galley.yml). */
  root: string
  runId: string
  signal: AbortSignal
  /** Use the step cache (default); false for --no-cache. */
  cache?: boolean
  /** Converge a second time after converge and fail on changes (test --idempotence); also `provisioner: {idempotence: true}`. */
  idempotence?: boolean
  /** --timeout: the time limit of every step and test that sets none of its own (0: none). */
  timeoutMs?: number
}

export class Instance {
  readonly spec: InstanceSpec
  readonly name: string
  /** Containers this process created, so an interrupt can remove exactly those. */
  private createdHere?: ContainerHandle
  private cleanup?: Promise<void>
  /** What ran in the container after create, probed when a step is about to run; a step that leaves more may not be cacheable. */
  private baseline?: ServiceWatch | 'unread'
  /** The container this process last copied the project into: verify after converge needs no second copy. */
  private uploadedTo?: string
  readonly steps: TaskResult[] = []
  readonly tests: TaskResult[] = []
  /** The re-checks of the last idempotence pass; undefined when none ran. */
  idempotence?: TaskResult[]
  /** What its last step or test left, for the limit checks of the next (guard.ts). */
  private readonly watch: LimitWatch = {}
  /** The action under way, for reports of where an instance stopped. */
  currentPhase: Phase = 'pending'
  private planned?: InstanceTasks

  constructor(private readonly deps: InstanceDeps) {
    this.spec = deps.spec
    this.name = deps.spec.name
  }

  get driver(): Driver {
    return this.deps.driver
  }

  /** This instance's steps and tests, planned once (the first converge or verify reads the recipes). */
  private get tasks(): InstanceTasks {
    return (this.planned ??= planTasks(this.spec, this.deps.root))
  }

  /** What every report lists for this instance: its planned steps and tests. */
  get plan(): InstancePlan {
    try {
      return this.tasks.plan
    } catch {
      return fallbackPlan(this.spec, this.deps.root)
    }
  }

  get containerName(): string {
    return `${this.name}-${projectId(this.deps.root)}`
  }

  get state(): LifecycleState {
    return this.deps.store.read(this.name)?.state ?? 'destroyed'
  }

  get handle(): ContainerHandle | undefined {
    return this.deps.store.read(this.name)?.handle
  }

  private phase(phase: Phase): void {
    this.currentPhase = phase
    this.deps.events.emit('instance:phase', {instance: this.name, phase})
  }

  private checkAborted(): void {
    if (this.deps.signal.aborted) throw new InterruptedError()
  }

  private record(state: LifecycleState, action: string, extra: {handle?: ContainerHandle; snapshot?: string; base?: string; lastError?: string; tests?: {passed: number; total: number}} = {}): void {
    const prev = this.deps.store.read(this.name)
    this.deps.store.write({
      instance: this.name,
      state,
      driver: this.deps.driver.name,
      handle: extra.handle ?? prev?.handle,
      snapshot: extra.snapshot ?? prev?.snapshot,
      base: extra.base ?? prev?.base,
      lastAction: action,
      lastError: extra.lastError,
      tests: extra.tests,
    })
  }

  /** Runs `action` and whatever must come before it. */
  async run(action: Action): Promise<void> {
    const actions = plan(this.state, action)
    for (const [i, a] of actions.entries()) {
      this.checkAborted()
      // With the step cache, converge creates the container itself, from the best snapshot.
      if (a === 'create' && actions[i + 1] === 'converge' && this.caching) continue
      await this[a]()
    }
  }

  private get caching(): boolean {
    return this.deps.cache !== false
  }

  async create(): Promise<void> {
    const base = await this.ensureBase()
    await this.createFrom(base, base)
  }

  private async ensureBase(): Promise<Snapshot> {
    this.phase('image')
    const base = await this.deps.driver.ensureImage(this.spec.platform.image, (line) => this.deps.events.emit('image:progress', {instance: this.name, line}), this.deps.signal)
    this.checkAborted()
    return base
  }

  /** Starts this instance's container from `snapshot` (the base image or a step snapshot). */
  private async createFrom(snapshot: Snapshot, base: Snapshot): Promise<void> {
    this.phase('create')
    const name = this.containerName
    // Written before the engine is touched: a crash from here on leaves a state that names the container.
    const pending: ContainerHandle = {driver: this.deps.driver.name, name}
    this.record('creating', 'create', {handle: pending, snapshot: snapshot.id, base: base.id})
    let handle: ContainerHandle
    try {
      handle = await this.deps.driver.create({
        instance: this.name,
        name,
        snapshot,
        mounts: this.mountsProject ? [{source: this.deps.root, target: PROJECT_DIR}] : [],
        limits: {memory: this.spec.driver.memory, cpus: this.spec.driver.cpus, pids: this.spec.driver.pids ?? DEFAULT_PIDS},
        labels: {'galley.project': projectId(this.deps.root), 'galley.instance': this.name, 'galley.run': this.deps.runId, 'galley.root': this.deps.root},
        init: this.spec.platform.init,
        ...(this.spec.driver.privileged ? {privileged: true} : {}),
        onNote: (message) => this.deps.events.emit('instance:note', {instance: this.name, message}),
        signal: this.deps.signal,
      })
    } catch (error) {
      this.deps.store.remove(this.name)
      throw error
    }
    if (this.mountsProject) handle.projectMount = PROJECT_DIR
    this.createdHere = handle
    this.uploadedTo = undefined
    this.record('created', 'create', {handle})
    this.baseline = this.caching ? 'unread' : undefined
    if (this.deps.signal.aborted) await this.abortCleanup()
  }

  /**
   * The project folder is mounted into the container at create (no copy, and host edits show up
   * before the next converge) unless its path cannot be written in a mount option.
   */
  private get mountsProject(): boolean {
    return this.deps.driver.mountsHostFolders && /^[^,:\s]+$/.test(this.deps.root)
  }

  private async upload(handle: ContainerHandle): Promise<void> {
    if (handle.projectMount === PROJECT_DIR || this.uploadedTo === handle.name) return
    const skip = /^\.\/(\.galley|\.git|node_modules)(\/|$)/
    // Read into memory before the engine call: an LXC attach holds a thread of libuv's pool until
    // tar exits, and reading files while it waits needs threads of that same pool.
    const chunks: Buffer[] = []
    const {packDirectory} = await import('../images/tar.js')
    for await (const chunk of packDirectory(this.deps.root, {portable: true, exclude: skip})) chunks.push(chunk as Buffer)
    await this.deps.driver.copyIn(handle, Readable.from([Buffer.concat(chunks)]), PROJECT_DIR)
    this.uploadedTo = handle.name
  }

  private requireHandle(): ContainerHandle {
    const handle = this.handle
    if (!handle) throw new EngineError(`instance ${this.name} has no container`, {hint: `Create it: galley create ${this.name}`})
    return handle
  }

  /** Runs the commands in order; stops at the first step that fails, runs every test. */
  private async runTasks(
    handle: ContainerHandle,
    commands: TaskCommand[],
    results: TaskResult[],
    stopOnFailure: boolean,
    range: {from?: number; to?: number; total?: number} = {},
    afterSuccess?: (index: number) => Promise<void>,
  ): Promise<TaskResult | undefined> {
    let firstFailure: TaskResult | undefined
    for (const [index, cmd] of commands.entries()) {
      if (index < (range.from ?? 0) || index >= (range.to ?? commands.length)) continue
      this.checkAborted()
      this.deps.events.emit('task:start', {instance: this.name, kind: cmd.kind, name: cmd.name, index, total: range.total ?? commands.length})
      const lines: string[] = []
      const split = new LineSplitter()
      // A judged command is judged on its whole output (Ansible's changed tasks come long before its recap).
      let whole = ''
      const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        const text = chunk.toString()
        if (cmd.judge && whole.length < MAX_JUDGED_OUTPUT) whole += text
        this.deps.events.emit('task:output', {instance: this.name, kind: cmd.kind, name: cmd.name, stream, text})
        lines.push(...split.push(text))
        if (lines.length > TAIL_LINES * 2) lines.splice(0, lines.length - TAIL_LINES)
      }
      const started = performance.now()
      const env = {...instanceEnv(this.spec), ...cmd.env}
      const guards = {timeout: timeoutFor(cmd, this.spec, this.deps.timeoutMs), signal: this.deps.signal, spec: this.spec, watch: this.watch}
      const {exitCode, failure} = await execGuarded(this.deps.driver, handle, cmd, {env, cwd: PROJECT_DIR, onStdout: collect('stdout'), onStderr: collect('stderr'), task: {kind: cmd.kind, name: cmd.name}}, guards)
      this.checkAborted()
      lines.push(...split.flush())
      const verdict = failure ? {ok: false, message: failure} : cmd.judge ? cmd.judge(exitCode, whole) : {ok: exitCode === cmd.expected}
      const ok = verdict.ok
      const result: TaskResult = {
        kind: cmd.kind,
        name: cmd.name,
        ok,
        exitCode,
        expected: cmd.expected,
        durationMs: performance.now() - started,
        outputTail: lines.slice(-TAIL_LINES).join('\n'),
        ...(cmd.command !== undefined ? {command: cmd.command} : {}),
        ...(cmd.source ? {source: cmd.source} : {}),
        message: ok ? undefined : (verdict.message ?? `${cmd.kind} \`${cmd.name}\` exited with ${exitCode}` + (cmd.expected !== 0 ? `, expected ${cmd.expected}` : '')),
      }
      if (ok && afterSuccess) await afterSuccess(index)
      results.push(result)
      this.deps.events.emit('task:end', {instance: this.name, result})
      if (!ok) {
        firstFailure ??= result
        if (stopOnFailure) return firstFailure
      }
    }
    return firstFailure
  }

  /**
   * Runs the provisioner's steps. With the step cache, the container is first made afresh from the
   * snapshot of the longest prefix of steps already cached (or from the base image), only the
   * remaining steps run, and each one that succeeds is snapshotted. A failed step is never cached.
   */
  async converge(): Promise<void> {
    const commands = this.tasks.steps
    this.steps.length = 0
    this.idempotence = undefined
    const checking = this.deps.idempotence || this.spec.provisioner.idempotence
    // Steps that must follow the idempotence pass (side effects) are never restored past it.
    const split = checking ? afterIdempotenceAt(commands) : commands.length
    let from = 0
    let keys: string[] = []
    if (this.caching) {
      const base = await this.ensureBase()
      keys = stepKeys(this.spec, commands, base.id, this.deps.root)
      let target = base
      for (let i = split - 1; i >= 0; i--) {
        const hit = await this.deps.driver.findSnapshot(keys[i])
        if (hit) {
          target = hit
          from = i + 1
          break
        }
      }
      const st = this.deps.store.read(this.name)
      const fresh = st?.handle && st.state === 'created' && st.lastAction === 'create' && st.snapshot === target.id
      if (!fresh) {
        const old = st?.handle ? await this.destroy(true) : undefined // removed while its successor is made
        for (const r of await Promise.allSettled([this.createFrom(target, base), old?.removed])) if (r.status === 'rejected') throw r.reason
      }
    }
    this.phase('converge')
    const handle = this.requireHandle()
    for (const cmd of commands.slice(0, from)) {
      const result: TaskResult = {kind: 'step', name: cmd.name, ok: true, exitCode: 0, expected: 0, durationMs: 0, outputTail: '', cached: true, ...(cmd.command !== undefined ? {command: cmd.command} : {}), ...(cmd.source ? {source: cmd.source} : {})}
      this.steps.push(result)
      this.deps.events.emit('task:end', {instance: this.name, result})
    }
    await this.upload(handle)
    // Only now: a converge whose steps all come from the cache never probes the container.
    if (this.baseline === 'unread' && from < commands.length) this.baseline = await watchServices(this.deps.driver, handle, this.spec.platform.init)
    // A snapshot holds files, not processes: once a step leaves running what a restore would not bring
    // back, it and the steps after it are not cached, or a restore would lack it (./services.ts).
    let servicesRunning = false
    const snapshot = async (i: number) => {
      const baseline = this.baseline
      if (!this.caching || servicesRunning || !baseline || baseline === 'unread') return
      const why = await baseline.check()
      if (why) {
        servicesRunning = true
        this.deps.events.emit('instance:note', {instance: this.name, message: `step \`${commands[i].name}\` ${why}; it and the steps after it are not cached`})
        return
      }
      // Only after the check: an LXC freeze would freeze its attach half-way, holding what it inherited at its fork.
      await this.deps.driver.snapshot(handle, keys[i])
    }
    const runSteps = async (range: {from: number; to?: number}) => {
      const failed = await this.runTasks(handle, commands, this.steps, true, range, snapshot)
      if (!failed) return
      this.record('created', 'converge', {lastError: failed.message})
      throw new TaskFailed(failed)
    }
    await runSteps({from, to: split})
    this.record('converged', 'converge')
    if (!checking) return
    await this.checkIdempotence(handle, commands)
    if (split < commands.length) {
      this.phase('converge')
      await runSteps({from: split})
      this.record('converged', 'converge')
    }
  }

  /**
   * The second converge, in the same container and never cached: each step's re-check (a recipe
   * tool run again, a shell step's `check:`) must report no change.
   */
  private async checkIdempotence(handle: ContainerHandle, steps: ProvisionStep[]): Promise<void> {
    this.phase('idempotence')
    this.idempotence = []
    const checks = steps.flatMap((s) => (s.recheck ? [s.recheck] : []))
    if (checks.length === 0) {
      this.deps.events.emit('instance:note', {instance: this.name, message: 'idempotence: no step can be re-checked (give shell steps a `check:` command)'})
      return
    }
    await this.runTasks(handle, checks, this.idempotence, false)
    const failed = this.idempotence.filter((r) => !r.ok)
    if (failed.length > 0) {
      const message = `not idempotent: ${failed.map((r) => r.message).join('; ')}`
      this.record('converged', 'converge', {lastError: message})
      throw new TaskFailed({...failed[0], message})
    }
  }

  async verify(): Promise<void> {
    this.phase('verify')
    const handle = this.requireHandle()
    this.tests.length = 0
    await this.upload(handle)
    // Test cases are numbered across verifier kinds, out of all the plan lists.
    const total = this.tasks.plan.tests.length
    await this.runTasks(handle, this.tasks.tests, this.tests, false, {total})
    const shellCount = this.tests.length
    await runCaseVerifiers(
      this.spec.verifier,
      verifyContext({
        driver: this.deps.driver,
        handle,
        instance: this.name,
        env: {...instanceEnv(this.spec), ...this.spec.provisioner.env, ...this.spec.verifier.env},
        events: this.deps.events,
        signal: this.deps.signal,
        results: this.tests,
        numbering: {next: this.tasks.tests.length, total},
        spec: this.spec,
        root: this.deps.root,
        timeout: timeoutFor({kind: 'test'}, this.spec, this.deps.timeoutMs),
      }),
    )
    this.checkAborted()
    if (this.tasks.steps.length === 0 && this.tests.length === 0) throw this.nothingChecked()
    const failedAt = this.tests.findIndex((t) => !t.ok)
    if (failedAt >= 0) {
      const failed = this.tests[failedAt]
      const count = this.tests.filter((t) => !t.ok).length
      this.record('converged', 'verify', {lastError: `${count} of ${this.tests.length} tests failed`})
      // A shell test's message names it; an assertion's, a bats test's or a report's does not.
      const first = failedAt < shellCount ? failed.message : `${failed.name}: ${failed.message}`
      throw new TaskFailed({...failed, message: `${count} of ${this.tests.length} tests failed; first: ${first}`})
    }
    this.record('verified', 'verify', {tests: {passed: this.tests.length, total: this.tests.length}})
  }

  /** An instance with no step and no test would pass having checked nothing: it fails instead, saying so. */
  private nothingChecked(): TaskFailed {
    const message = `instance ${this.name} has no converge step and no test, so passing would mean nothing: give its suite provisioner steps or verifier tests`
    const result: TaskResult = {kind: 'test', name: 'nothing to check', ok: false, exitCode: 1, expected: 0, durationMs: 0, outputTail: message, message}
    this.tests.push(result)
    this.deps.events.emit('task:end', {instance: this.name, result})
    this.record('converged', 'verify', {lastError: message})
    return new TaskFailed(result)
  }

  /** Removes the container; with `retire`, where the driver can, only frees its name and returns the removal under way. */
  async destroy(retire = false): Promise<{removed: Promise<void>} | undefined> {
    this.phase('destroy')
    const prev = this.deps.store.read(this.name)
    const retired = retire && prev?.handle ? await this.deps.driver.retire?.(prev.handle) : undefined
    if (prev?.handle && !retired) await this.deps.driver.destroy(prev.handle)
    this.createdHere = undefined
    this.deps.store.remove(this.name)
    return retired
  }

  /**
   * On interrupt: removes the container this process made (which also ends whatever runs in it).
   * Every caller gets the same promise, so the runner can wait for a removal the signal started.
   */
  abortCleanup(): Promise<void> {
    const handle = this.createdHere
    this.createdHere = undefined
    if (handle) {
      this.cleanup = (this.cleanup ?? Promise.resolve()).then(async () => {
        await this.deps.driver.destroy(handle)
        this.deps.store.remove(this.name)
      })
    }
    return this.cleanup ?? Promise.resolve()
  }
}
