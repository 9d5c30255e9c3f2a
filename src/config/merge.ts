/** The loader's merge stage: galley.local.yml over galley.yml, and settings over settings (top, platform, suite). */
import type {Raw} from './read.js'

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

/** What galley.local.yml's `key: null` is read as: the key is removed from what it merges over. */
export const UNSET = Symbol('unset')

/** A value with every UNSET key left out: what is new in an override has nothing to unset. */
function withoutUnsets(value: unknown): unknown {
  if (!isObject(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== UNSET).map(([k, v]) => [k, withoutUnsets(v)]))
}

/** Deep merge: objects merge key by key, anything else is replaced by the override; an UNSET key is removed. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base
  if (!isObject(base) || !isObject(override)) return withoutUnsets(override)
  const out: Raw = {...base}
  for (const [k, v] of Object.entries(override)) {
    if (v === UNSET) delete out[k]
    else out[k] = deepMerge(base[k], v)
  }
  return out
}

/** Lists of named things (platforms, suites) merge by name; new names are appended. */
function mergeNamed(base: unknown, override: unknown): Raw[] {
  const out = ((base as Raw[] | undefined) ?? []).map((x) => ({...x}))
  for (const item of (override as Raw[] | undefined) ?? []) {
    const i = out.findIndex((x) => x.name === item.name)
    if (i >= 0) out[i] = deepMerge(out[i], item) as Raw
    else out.push(withoutUnsets(item) as Raw)
  }
  return out
}

export function mergeFiles(main: Raw, local: Raw): Raw {
  return {
    ...(deepMerge(main, {...local, platforms: undefined, suites: undefined}) as Raw),
    platforms: mergeNamed(main.platforms, local.platforms),
    suites: mergeNamed(main.suites, local.suites),
  }
}

/** A section (driver, provisioner, verifier) of one instance: the top level's, then the platform's, then the suite's. */
export function layered(top: Raw, platform: Raw, suite: Raw, key: string): Raw {
  return deepMerge(deepMerge(top[key] ?? {}, platform[key] ?? {}), suite[key] ?? {}) as Raw
}
