/**
 * Env values as strings. `${VAR}` takes VAR from the environment Galley runs in, and such a value
 * is secret; so is `{value: ..., secret: true}`. Secrets are masked wherever Galley prints or writes.
 */
import {ConfigError} from '../errors.js'
import type {Raw} from './read.js'
import type {Sources} from './source.js'

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Reads the env mappings of one load, noting its secrets and the `${VAR}`s that are not set. */
export class EnvReader {
  readonly secrets = new Set<string>()
  private readonly unset: {key: string; raw: string; name: string}[] = []

  constructor(private readonly environment: NodeJS.ProcessEnv = process.env) {}

  read(v: unknown): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [k, val] of Object.entries((v as Raw | undefined) ?? {})) {
      const entry = isObject(val) ? val : {value: val}
      const raw = String(entry.value)
      let fromEnv = false
      const value = raw.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
        fromEnv = true
        const found = this.environment[name]
        if (found === undefined) this.unset.push({key: k, raw, name})
        return found ?? ''
      })
      out[k] = value
      if ((fromEnv || entry.secret === true) && value !== '') this.secrets.add(value)
    }
    return out
  }

  /** One error per unset variable, at the value that names it. */
  errors(sources: Sources): ConfigError[] {
    const seen = new Set<string>()
    const errors: ConfigError[] = []
    for (const u of this.unset) {
      if (seen.has(`${u.key}\0${u.name}`)) continue
      seen.add(`${u.key}\0${u.name}`)
      errors.push(new ConfigError(`env ${u.key}: \${${u.name}} is not set in the environment galley runs in`, sources.scalar(u.raw), {hint: `Set ${u.name} (export ${u.name}=...) before running galley, or give the value in galley.local.yml.`}))
    }
    return errors
  }
}
