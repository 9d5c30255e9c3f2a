/**
 * The instance matrix of a kitchen file (platforms × suites, with includes and excludes) and how
 * galley.yml holds it: each setting at the most general level where it is the same, and suites
 * split where no level can hold a difference.
 */
import {NAME_PATTERN} from '../config/schema.js'
import {ConfigError, type SourcePosition} from '../errors.js'
import type {DriverName} from '../config/types.js'
import {platformImage, platformInit} from './drivers.js'
import type {Importer} from './importer.js'
import {convertInstance, type InstanceOut} from './instance.js'
import {Block, blockOf, type Layer} from './layers.js'
import {reportLeftovers} from './leftovers.js'
import {isObject, type Raw} from './mapper.js'
import {CHEF_DATA} from './provisioners.js'
import {mergeTrees, posOf, use} from '../import/tree.js'

const SECTIONS = ['driver', 'provisioner', 'verifier'] as const
type Section = (typeof SECTIONS)[number]

/** Converts a parsed (and merged) kitchen tree into galley.yml's settings, reporting what is left of it. */
export function convertKitchen(kitchen: Raw, imp: Importer, driverName?: DriverName): Raw {
  const entries = (list: 'platforms' | 'suites'): Raw[] => {
    const v = kitchen[list]
    if (v === undefined || v === null) return []
    if (!Array.isArray(v)) {
      imp.report('unmapped', posOf(kitchen, list)!, list, `${list} must be a list of mappings with a name; not imported`)
      return []
    }
    v.forEach((item, i) => {
      if (!isObject(item)) imp.report('unmapped', posOf(v, i)!, `${list}[${i}]`, `not a mapping with a name: Test Kitchen would reject it; not imported`)
    })
    return v.filter(isObject)
  }
  const allPlatforms = entries('platforms')
  const allSuites = entries('suites')
  const topAt = (key: string): SourcePosition => posOf(kitchen, key) ?? {file: imp.file, line: 1, col: 1}

  // Names: Galley's are letters, digits, '.', '_' and '-'. A name that is ERB drops its entry.
  const nameOf = (item: Raw, list: 'platforms' | 'suites'): string | undefined => {
    // The index in the file's list, for reports (entries that are not mappings were dropped).
    const i = (kitchen[list] as unknown[]).indexOf(item)
    const at = posOf(item, 'name') ?? posOf(kitchen[list] as object, i) ?? topAt(list)
    use(item, 'name')
    const raw = item.name === undefined || item.name === null ? '' : String(item.name)
    let name = imp.erb(raw, at, `${list}[${i}].name`)
    if (name === undefined) {
      imp.report('unmapped', at, `${list}[${i}]`, `its name is ERB, so the whole ${list.slice(0, -1)} was left out`)
      return undefined
    }
    if (!NAME_PATTERN.test(name)) {
      const fixed = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || `${list.slice(0, -1)}${i + 1}`
      imp.report('note', at, `${list}[${i}].name`, `\`${name}\` is not a Galley name (letters, digits, '.', '_', '-'); imported as \`${fixed}\``)
      name = fixed
    }
    return name
  }
  const named = (list: Raw[], kind: 'platforms' | 'suites') =>
    list.map((item) => [item, nameOf(item, kind)] as const).filter((x): x is readonly [Raw, string] => x[1] !== undefined)
  const namedPlatforms = named(allPlatforms, 'platforms')
  const namedSuites = named(allSuites, 'suites')
  const platforms = namedPlatforms.map(([p]) => p)
  const platformNames = namedPlatforms.map(([, n]) => n)
  const suites = namedSuites.map(([s]) => s)
  const suiteNames = namedSuites.map(([, n]) => n)
  if (platforms.length === 0) throw new ConfigError('the kitchen file lists no platforms', topAt('platforms'), {hint: 'Test Kitchen needs platforms: and suites: too.'})
  if (suites.length === 0) throw new ConfigError('the kitchen file lists no suites', topAt('suites'), {hint: 'Test Kitchen needs platforms: and suites: too.'})

  const driverOf = (obj: Raw): Raw | undefined => {
    const legacy = blockOf(obj, 'driver_config')
    const d = blockOf(obj, 'driver')
    if (legacy && d) return mergeTrees(legacy, d) as Raw
    return d ?? legacy
  }
  const topDriver = driverOf(kitchen)
  const layersOf = (key: string, platform: Raw, pi: number, suite: Raw, si: number, chefData = false): Layer[] => {
    const get = key === 'driver' ? driverOf : (o: Raw) => blockOf(o, key)
    const layers: Layer[] = []
    const t = key === 'driver' ? topDriver : get(kitchen)
    if (t) layers.push({obj: t, where: key, level: 'common'})
    if (chefData) layers.push({obj: platform, where: `platforms[${platformNames[pi]}]`, level: 'platform', only: CHEF_DATA})
    const p = get(platform)
    if (p) layers.push({obj: p, where: `platforms[${platformNames[pi]}].${key}`, level: 'platform'})
    if (chefData) layers.push({obj: suite, where: `suites[${suiteNames[si]}]`, level: 'suite', only: CHEF_DATA})
    const s = get(suite)
    if (s) layers.push({obj: s, where: `suites[${suiteNames[si]}].${key}`, level: 'suite'})
    return layers
  }

  // The instance matrix, with Kitchen's includes/excludes (a /regex/ entry matches names).
  const selectors = (suite: Raw, si: number, key: 'includes' | 'excludes'): string[] | undefined => {
    const v = suite[key]
    if (v === undefined || v === null) return undefined
    use(suite, key)
    const at = posOf(suite, key)!
    const out: string[] = []
    for (const [i, entry] of (Array.isArray(v) ? v : [v]).entries()) {
      const eAt = posOf(v as object, i) ?? at
      const eKey = `suites[${suiteNames[si]}].${key}[${i}]`
      const text = imp.erb(String(entry), eAt, eKey)
      if (text === undefined) continue
      let re: RegExp | undefined
      try {
        re = /^\/(.*)\/$/.test(text) ? new RegExp(text.slice(1, -1)) : undefined
      } catch {
        imp.report('unmapped', eAt, eKey, `\`${text}\` is not a regular expression Galley can read`)
        continue
      }
      const matched = re ? platforms.map((p, pi) => [p, pi] as const).filter(([p]) => re.test(String(p.name))).map(([, pi]) => platformNames[pi]) : platformNames.filter((n, pi) => String(platforms[pi].name) === text || n === text)
      if (matched.length === 0) imp.report('unmapped', eAt, eKey, `\`${text}\` names no platform of this file (Test Kitchen ignores it; Galley would reject it)`)
      else if (re) imp.report('note', eAt, eKey, `the pattern ${text} was expanded to ${matched.join(', ')}`)
      out.push(...matched)
    }
    return [...new Set(out)]
  }
  const suiteSel = suites.map((s, si) => ({includes: selectors(s, si, 'includes'), excludes: selectors(s, si, 'excludes') ?? []}))

  // Each platform's image and PID 1, from the driver settings of the common and platform levels.
  const imageRefs: string[] = []
  const inits: ('systemd' | undefined)[] = []
  const images = platforms.map((platform, pi) => {
    const block = new Block(layersOf('driver', platform, pi, {}, -1).filter((l) => l.level !== 'suite'))
    const image = platformImage(imp, block, platform, platformNames[pi], posOf(platform, 'name') ?? topAt('platforms'))
    if (typeof image === 'string') imageRefs.push(image)
    inits.push(platformInit(imp, block))
    return image
  })

  const instances: InstanceOut[] = []
  suites.forEach((suite, si) => {
    platforms.forEach((platform, pi) => {
      const pname = platformNames[pi]
      const sel = suiteSel[si]
      if ((sel.includes && !sel.includes.includes(pname)) || sel.excludes.includes(pname)) return
      instances.push(convertInstance(imp, suiteNames[si], pname, {
        driver: new Block(layersOf('driver', platform, pi, suite, si)),
        provisioner: new Block(layersOf('provisioner', platform, pi, suite, si, true)),
        verifier: new Block(layersOf('verifier', platform, pi, suite, si)),
        lifecycle: new Block(layersOf('lifecycle', platform, pi, suite, si)),
      }, inits[pi] === 'systemd'))
    })
  })

  const config: Raw = {}
  const driver: Raw = driverName ? {name: driverName} : imageRefs.length > 0 ? {name: 'docker'} : {}
  if (driverName === 'lxc' && imageRefs.length > 0) {
    imp.report('note', topAt('platforms'), 'platforms', `--driver lxc: LXC cannot run engine images (${[...new Set(imageRefs)].join(', ')}); galley.yml will not load until those platforms use {bootstrap: ...} (--bootstrap does that for Debian and busybox)`)
  }
  const platformOut: Raw[] = platformNames.map((name, pi) => ({name, image: images[pi], ...(inits[pi] ? {init: inits[pi]} : {})}))
  const suiteOut: Raw[] = suiteNames.map((name, si) => {
    const out: Raw = {name}
    if (suiteSel[si].includes) out.includes = suiteSel[si].includes
    if (suiteSel[si].excludes.length > 0) out.excludes = suiteSel[si].excludes
    return out
  })
  const outNames = splitSuites(imp, instances, suiteNames, suiteOut, platformNames)
  const commonOut: Record<string, Raw> = {driver, provisioner: {}, verifier: {}}
  for (const section of SECTIONS) factor(instances, section, commonOut[section], platformOut, platformNames, suiteOut, outNames)
  for (const section of SECTIONS) if (Object.keys(commonOut[section]).length > 0) config[section] = commonOut[section]
  config.platforms = platformOut
  config.suites = suiteOut.map((s) => {
    // includes/excludes read best after what the suite runs.
    const {name, includes, excludes, ...rest} = s
    return {name, ...rest, ...(includes ? {includes} : {}), ...(excludes ? {excludes} : {})}
  })

  reportLeftovers(kitchen, imp, platforms, platformNames, suites, suiteNames)
  return config
}

/**
 * galley.yml has no setting per suite × platform. Where Kitchen's merge gives a suite different
 * settings on different platforms, and the difference is not the platform's alone (so the
 * platform level cannot carry it), the suite is split: one Galley suite per group of platforms
 * that agree, the first keeping the name, each with includes for its platforms. Returns the suite
 * names after the split, renaming the instances' suites.
 */
function splitSuites(imp: Importer, instances: InstanceOut[], suiteNames: string[], suiteOut: Raw[], platformNames: string[]): string[] {
  const uniform = (group: InstanceOut[], section: Section, key: string) => new Set(group.map((i) => JSON.stringify(i[section][key]))).size <= 1
  const crossing: [Section, string][] = []
  for (const section of SECTIONS) {
    for (const key of new Set(instances.flatMap((i) => Object.keys(i[section])))) {
      const bySuite = suiteNames.map((s) => instances.filter((i) => i.suite === s))
      const byPlatform = platformNames.map((p) => instances.filter((i) => i.platform === p))
      if (!bySuite.every((g) => uniform(g, section, key)) && !byPlatform.every((g) => uniform(g, section, key))) crossing.push([section, key])
    }
  }
  if (crossing.length === 0) return suiteNames
  const names = [...suiteNames]
  const signature = (i: InstanceOut) => JSON.stringify(crossing.map(([section, key]) => i[section][key]))
  for (const suite of suiteNames) {
    const mine = instances.filter((i) => i.suite === suite)
    const groups = new Map<string, InstanceOut[]>()
    for (const i of mine) groups.set(signature(i), [...(groups.get(signature(i)) ?? []), i])
    if (groups.size <= 1) continue
    const original = suiteOut[names.indexOf(suite)]
    const added: string[] = []
    ;[...groups.values()].forEach((group, n) => {
      const name = n === 0 ? suite : `${suite}-${group[0].platform}`
      const platforms = group.map((i) => i.platform)
      for (const i of group) i.suite = name
      if (n === 0) {
        original.includes = platforms
        delete original.excludes
        return
      }
      added.push(name)
      const at = names.indexOf(suite) + added.length
      names.splice(at, 0, name)
      suiteOut.splice(at, 0, {name, includes: platforms})
    })
    const what = crossing.map(([section, key]) => `${section}.${key}`).join(', ')
    imp.report('note', {file: imp.file, line: 1, col: 1}, `suites[${suite}]`, `its ${what} differ by platform in a way galley.yml cannot say of one suite, so it was split: ${[suite, ...added].join(', ')} (instance names change accordingly)`)
  }
  return names
}

/**
 * Places each setting at the most general level where it holds for every instance: the top when
 * all agree, else each suite, else each platform.
 */
function factor(instances: InstanceOut[], section: Section, common: Raw, platforms: Raw[], platformNames: string[], suites: Raw[], suiteNames: string[]): void {
  const keys = [...new Set(instances.flatMap((i) => Object.keys(i[section])))]
  const into = (list: Raw[], names: string[], name: string, key: string, value: unknown) => {
    const item = list[names.indexOf(name)]
    item[section] = {...((item[section] as Raw | undefined) ?? {}), [key]: value}
  }
  const same = (group: InstanceOut[], key: string) => new Set(group.map((i) => JSON.stringify(i[section][key]))).size === 1
  for (const key of keys) {
    if (same(instances, key)) {
      if (instances[0][section][key] !== undefined) common[key] = instances[0][section][key]
      continue
    }
    const bySuite = suiteNames.map((s) => instances.filter((i) => i.suite === s)).filter((g) => g.length > 0)
    const byPlatform = platformNames.map((p) => instances.filter((i) => i.platform === p)).filter((g) => g.length > 0)
    // splitSuites left every setting uniform per suite or per platform.
    const [groups, list, names] = bySuite.every((g) => same(g, key)) ? [bySuite, suites, suiteNames] : [byPlatform, platforms, platformNames]
    for (const g of groups) {
      const value = g[0][section][key]
      if (value !== undefined) into(list, names, list === suites ? g[0].suite : g[0].platform, key, value)
    }
  }
}
