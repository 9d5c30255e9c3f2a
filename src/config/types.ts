/** The shapes of galley.yml after validation and merging. */

export type BootstrapSpec =
  | {bootstrap: 'busybox'}
  | {bootstrap: 'debootstrap'; release: string; variant: string; packages: string[]; mirror?: string}

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

/** What the dummy driver can be told to fail at (`driver: {fail: ...}`). */
export type DummyAction = 'create' | 'converge' | 'verify' | 'destroy' | 'image' | 'snapshot'

export interface DriverSettings {
  name: DriverName
  /** Docker or Podman API socket (unix path or tcp://host:port); default DOCKER_HOST, then /var/run/docker.sock. */
  socket?: string
  /** Bytes. */
  memory?: number
  cpus?: number
  pids?: number
  /** Dummy driver only: milliseconds added to every action. */
  sleepMs?: number
  /** Dummy driver only: the actions it fails. */
  fail?: DummyAction[]
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
  /** Where it is written: its script, or its entry in galley.yml (for CI annotations). */
  source?: SourceRef
}

/** A place in the project: a path relative to the project folder, and a line when known. */
export interface SourceRef {
  file: string
  line?: number
}

export type ProvisionerName = 'shell' | 'ansible' | 'puppet' | 'chef' | 'itamae'

/** Values a recipe tool reads (extra vars, attributes): anything YAML can hold. */
export type Vars = Record<string, unknown>

export interface ProvisionerSettings {
  name: ProvisionerName
  /** Shell steps; with a recipe tool they run before it is installed and run. */
  steps: StepSpec[]
  env: Record<string, string>
  /** Converge a second time and fail when that changes anything. */
  idempotence?: boolean
  /** The Debian package that provides the tool when the platform lacks it. */
  package?: string
  /** ansible: playbooks (each one step), roles folders, `-e` vars, and host vars of the instance. */
  playbooks?: string[]
  rolesPath?: string[]
  extraVars?: Vars
  inventory?: Vars
  /** puppet: a manifest file or folder and module folders. */
  manifest?: string
  modulepath?: string[]
  /** chef: `recipe[x]`, `role[y]` or `x::y`, node attributes (itamae's node too), cookbook folders. */
  runList?: string[]
  attributes?: Vars
  cookbooksPath?: string[]
  /** itamae: recipe files, each one step. */
  recipes?: string[]
}

export interface TestSpec {
  name: string
  script?: string
  run?: string
  exitStatus: number
  env: Record<string, string>
  source?: SourceRef
}

/** The resources the built-in `assert` verifier can check. */
export const ASSERT_KINDS = ['file', 'directory', 'package', 'service', 'user', 'group', 'port', 'process', 'command', 'http', 'kernel-param', 'mount'] as const
export type AssertKind = (typeof ASSERT_KINDS)[number]

/** One declarative check of the `assert` verifier: one test case. */
export interface Assertion {
  kind: AssertKind
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

/** A command that writes a JUnit report, whose test cases join Galley's. */
export interface JunitCommandSpec {
  name: string
  run: string
  /** Where the command writes its report inside the instance, relative to the project folder. */
  report: string
  env: Record<string, string>
}

export type VerifierName = 'shell' | 'assert' | 'bats' | 'junit'

/** A verifier runs every kind of test it lists: shell tests, then assertions, bats files, JUnit commands. */
export interface VerifierSettings {
  name: VerifierName
  tests: TestSpec[]
  assert: Assertion[]
  /** .bats files relative to the project folder. */
  bats: string[]
  junit: JunitCommandSpec[]
  env: Record<string, string>
}

export interface PlatformSpec {
  name: string
  image: ImageSpec
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
  envErrors?: import('../errors.js').ConfigError[]
}
