/** Galley's error classes, each carrying the exit code DESIGN.md assigns to its kind. */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  engine: 3,
  interrupted: 130,
} as const

export interface ErrorOptions {
  cause?: unknown
  /** What the user should do next; printed as "Try this:". */
  hint?: string
}

export class GalleyError extends Error {
  readonly exitCode: number = ExitCode.failed
  readonly hint?: string
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, {cause: options.cause})
    this.name = new.target.name
    this.hint = options.hint
  }
}

/** A position in a config file, 1-based. */
export interface SourcePosition {
  file: string
  line: number
  col: number
}

/** Bad galley.yml, bad flags or arguments: exit 2, nothing created. */
export class ConfigError extends GalleyError {
  override readonly exitCode = ExitCode.usage
  readonly position?: SourcePosition
  constructor(message: string, position?: SourcePosition, options: ErrorOptions = {}) {
    super(position ? `${position.file}:${position.line}:${position.col}: ${message}` : message, options)
    this.position = position
  }
}

/** Several config problems found in one pass; each is reported. */
export class ConfigErrors extends GalleyError {
  override readonly exitCode = ExitCode.usage
  readonly errors: ConfigError[]
  constructor(errors: ConfigError[]) {
    super(errors.map((e) => e.message).join('\n'), {hint: errors.find((e) => e.hint)?.hint})
    this.errors = errors
  }
}

export class UsageError extends GalleyError {
  override readonly exitCode = ExitCode.usage
}

/** The container engine or the machine is at fault (unreachable, missing tools, failed start). */
export class EngineError extends GalleyError {
  override readonly exitCode = ExitCode.engine
}

/** A base image could not be built. */
export class ImageBuildError extends EngineError {}

export class InterruptedError extends GalleyError {
  override readonly exitCode = ExitCode.interrupted
  constructor() {
    super('interrupted')
  }
}



/** A nested run (the create before login or exec) ended with a non-zero code; the console said why. */
export class RunFailedError extends GalleyError {
  constructor(
    message: string,
    override readonly exitCode: number,
    options: ErrorOptions = {},
  ) {
    super(message, options)
  }
}
