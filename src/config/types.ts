/** The shapes of galley.yml after validation and merging. */
import type {ConfigError, SourcePosition} from '../errors.js'

export type BootstrapSpec =
  | {bootstrap: 'busybox'}
  | {
      bootstrap: 'debootstrap'
      release: string
      variant: string
      packages: string[]
      mirror?: string
      /** Made to boot systemd: its packages are in `packages`, and the image is prepared for instances. */
      init?: 'systemd'
    }

/** An engine image reference (`debian:12`), for engines that have an image store (Docker, Podman). */
export interface ImageRef {
  ref: string
}

export type ImageSpec = BootstrapSpec | ImageRef

export const isImageRef = (spec: ImageSpec): spec is ImageRef => 'ref' in spec

/** A short name for reports: `busybox`, `debootstrap:bookworm`, or the image reference. */
export function describeImage(spec: ImageSpec): string {
  if (isImageRef(spec)) return spec.ref
  return spec.bootstrap === 'busybox' ? 'busybox' : `debootstrap:${spec.release}`
}

export type DriverName = 'lxc' | 'docker' | 'auto' | 'dummy'

/** What runs as an instance's PID 1: a keep-alive loop (`none`), or the image's systemd, booted. */
export type InitSystem = 'none' | 'systemd'

/** The packages a debootstrap image gets for `init: systemd`. */
export const SYSTEMD_PACKAGES = ['systemd', 'systemd-sysv', 'dbus']

/** What the dummy driver can be told to fail at (`driver: {fail: ...}`). */
export type DummyAction = 'create' | 'converge' | 'verify' | 'destroy' | 'image' | 'snapshot'

/** One engine of a pool (`driver: {name: docker, hosts: [...]}`); file paths are absolute. */
export interface PoolHost {
  /** How reports name it; default the context's name or the address. */
  name?: string
  /** unix:///PATH, tcp://HOST:PORT or ssh://USER@HOST[:PORT]. */
  address?: string
  /** A Docker context's name, instead of an address. */
  context?: string
  /** How many instances it runs at once; unset, as many as --concurrency. */
  capacity?: number
  tls?: {ca?: string; cert?: string; key?: string; verify: boolean}
  ssh?: {identity?: string; knownHosts?: string}
}

export interface DriverSettings {
  name: DriverName
  /**
   * Docker or Podman API address (a unix socket path, unix://, tcp:// or ssh://); default
   * DOCKER_HOST, then the Docker context, then /var/run/docker.sock.
   */
  socket?: string
  /** Docker only: the engines of a pool; each instance runs on the least loaded one. */
  hosts?: PoolHost[]
  /** Bytes. */
  memory?: number
  cpus?: number
  pids?: number
  /** Docker and Podman: run the container privileged (systemd instances boot without it). */
  privileged?: boolean
  /** Dummy driver only: milliseconds added to every action. */
  sleepMs?: number
  /** Dummy driver only: the actions it fails. */
  fail?: DummyAction[]
}

/** A time limit and where it is set, so that a step or test over it can say which one to raise. */
export interface TimeoutSetting {
  /** Milliseconds; 0 means none. */
  ms: number
  /** Where it is set, as a message names it: "the step's `timeout:` (galley.yml:12)", "--timeout". */
  where: string
}

export interface StepSpec {
  name: string
  /** Path relative to the project directory, for `script:` steps. */
  script?: string
  /** Inline shell command, for `run:` steps. */
  run?: string
  env: Record<string, string>
  /** For idempotence: a command that exits non-zero when the step would change something. */
  check?: string
  /** Its own time limit (`timeout:`), over the suite's and --timeout. */
  timeout?: TimeoutSetting
  /** Where it is written: its script, or its entry in galley.yml (for CI annotations). */
  source?: SourceRef
}

/** A place in the project: a path relative to the project folder, and a line when known. */
export interface SourceRef {
  file: string
  line?: number
}

/** The shared provisioner settings; each tool's own settings are its descriptor's (src/provisioners/<tool>.ts). */
export interface ProvisionerSettings {
  /** The tool: a name in the provisioner registry (shell, ansible, puppet, chef, itamae). */
  name: string
  /** Shell steps; with a recipe tool they run before it is installed and run. */
  steps: StepSpec[]
  env: Record<string, string>
  /** Converge a second time and fail when that changes anything. */
  idempotence?: boolean
  /** The time limit of each step that sets none (`provisioner: {timeout: ...}`); --timeout overrides it. */
  timeout?: TimeoutSetting
  /** The tool's own settings, as its descriptor read them. */
  options: unknown
}

export interface TestSpec {
  name: string
  script?: string
  run?: string
  exitStatus: number
  env: Record<string, string>
  /** Runs as this user of the instance instead of root (`user:` of the test, else of the verifier). */
  user?: string
  /** Its own time limit (`timeout:`), over the suite's and --timeout. */
  timeout?: TimeoutSetting
  source?: SourceRef
}

/** One declarative check of the `assert` verifier: one test case. */
export interface Assertion {
  /** The resource kind: a name in the assertion registry (file, package, service …). */
  kind: string
  /** What is checked: a path, a name, a port number, a command line, a URL, a kernel parameter. */
  target: string
  /** The test case's name: `name:`, or `<kind> <target>`. */
  name: string
  /** The matchers as written (mode, owner, contains, status, ...), keyed as in galley.yml. */
  expect: Record<string, unknown>
  /** Check again up to this many times, a second apart, until it passes. */
  retry: number
  /** Keep checking, a second apart, until it passes or this many milliseconds have passed. */
  timeoutMs?: number
  source?: SourceRef
}

/** A verifier runs its shell tests, then each other verifier's entries (assert, bats, junit …). */
export interface VerifierSettings {
  name: string
  tests: TestSpec[]
  env: Record<string, string>
  /** The user of the instance its tests and entries run as, unless they name their own; root when unset. */
  user?: string
  /** Each verifier's entries, by its key under `verifier:`, as its descriptor read them. */
  sections: Record<string, unknown[]>
  /** The time limit of each test that sets none (`verifier: {timeout: ...}`); --timeout overrides it. */
  timeout?: TimeoutSetting
}

export interface PlatformSpec {
  name: string
  image: ImageSpec
  init: InitSystem
}

export interface InstanceSpec {
  /** `<suite>-<platform>` */
  name: string
  suite: string
  platform: PlatformSpec
  driver: DriverSettings
  provisioner: ProvisionerSettings
  verifier: VerifierSettings
}

export interface ProjectConfig {
  /** Absolute path of the directory holding galley.yml: scripts are relative to it. */
  root: string
  file: string
  instances: InstanceSpec[]
  platforms: string[]
  suites: string[]
  /** Env values marked secret or taken from the environment: masked in output, logs and reports. */
  secrets: string[]
  /** `${VAR}`s in env values that are not set: an error for whatever would run steps or tests. */
  envErrors?: ConfigError[]
  /** Where a platform or suite (or one of its keys) is written, for errors found after loading. */
  locate?: (list: 'platforms' | 'suites', name: string, key?: string) => SourcePosition
}
