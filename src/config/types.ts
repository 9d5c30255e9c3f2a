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

export type DriverName = 'lxc' | 'docker' | 'auto'

export interface DriverSettings {
  name: DriverName
  /** Docker or Podman API socket (unix path or tcp://host:port); default DOCKER_HOST, then /var/run/docker.sock. */
  socket?: string
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
}
