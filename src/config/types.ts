/** The shapes of galley.yml after validation and merging. */

export type BootstrapSpec =
  | {bootstrap: 'busybox'}
  | {bootstrap: 'debootstrap'; release: string; variant: string; packages: string[]; mirror?: string}

export interface DriverSettings {
  name: 'lxc'
  /** Bytes. */
  memory?: number
  cpus?: number
  pids?: number
}

export interface StepSpec {
  name: string
  /** Path relative to the project directory, for `script:` steps. */
  script?: string
  /** Inline shell command, for `run:` steps. */
  run?: string
  env: Record<string, string>
}

export interface ProvisionerSettings {
  name: 'shell'
  steps: StepSpec[]
  env: Record<string, string>
}

export interface TestSpec {
  name: string
  script?: string
  run?: string
  exitStatus: number
  env: Record<string, string>
}

export interface VerifierSettings {
  name: 'shell'
  tests: TestSpec[]
  env: Record<string, string>
}

export interface PlatformSpec {
  name: string
  image: BootstrapSpec
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
}
