/**
 * Sharding the instance matrix across CI jobs: `--shard I/N` runs a stable, balanced share, so N
 * jobs cover every instance exactly once. With durations recorded by earlier runs
 * (.galley/durations.json, which every shard job must see the same: restore it from one cache),
 * instances are dealt longest first to the least-loaded shard; without them, round-robin by name.
 * Durations come from unsharded runs (which record them) or from a JUnit report (`--durations`, the
 * merged report of the last pipeline): sharded runs record nothing, so all shards of one pipeline
 * see the same figures and agree on who runs what.
 */
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {UsageError} from '../errors.js'
import {writeFileAtomic} from '../files.js'
import {NotJunitError, readJunit, type JunitSuite} from '../junit-xml.js'

export interface Shard {
  index: number
  count: number
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = Number(m?.[1])
  const count = Number(m?.[2])
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard takes I/N with 1 <= I <= N, not \`${text}\``, {hint: 'For three CI jobs: --shard 1/3, --shard 2/3 and --shard 3/3.'})
  }
  return {index, count}
}

function durationsFile(root: string): string {
  return path.join(root, '.galley', 'durations.json')
}

/**
 * Instance durations from a JUnit report: each <testsuite>'s name and time, in milliseconds. A
 * report that cannot be read gives none, as a missing durations file does: the split falls back
 * to round-robin rather than failing the pipeline.
 */
export function durationsFromJunit(file: string): Record<string, number> {
  let suites: JunitSuite[]
  try {
    suites = readJunit(readFileSync(file, 'utf8')).suites
  } catch (error) {
    if (error instanceof NotJunitError) return {}
    throw error
  }
  return Object.fromEntries(suites.filter((s) => s.name && s.attributes.time !== undefined && Number.isFinite(Number(s.attributes.time))).map((s) => [s.name, s.timeMs]))
}

/** Durations from `file` (JSON of instance → ms, or a JUnit report), default .galley/durations.json. */
export function readDurations(root: string, file?: string): Record<string, number> {
  if (file) {
    try {
      if (/<testsuites?[\s>]/.test(readFileSync(file, 'utf8').slice(0, 4096))) return durationsFromJunit(file)
    } catch (error) {
      throw new UsageError(`cannot read --durations ${file}: ${(error as Error).message}`, {hint: 'Give a JUnit report of an earlier run, or a JSON file of instance → milliseconds.'})
    }
  }
  try {
    const data = JSON.parse(readFileSync(file ?? durationsFile(root), 'utf8')) as Record<string, unknown>
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] >= 0))
  } catch {
    return {}
  }
}

/** Records how long each instance's test took, for the next sharded run. */
export function recordDurations(root: string, durations: Record<string, number>): void {
  writeFileAtomic(durationsFile(root), JSON.stringify({...readDurations(root), ...durations}, null, 2) + '\n')
}

/** The names of shard `index` of `count`: every name lands in exactly one shard, the same one every time. */
export function shardOf<T extends {name: string}>(items: T[], shard: Shard, durations: Record<string, number> = {}): T[] {
  const sorted = [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const known = sorted.filter((i) => durations[i.name] !== undefined)
  let assign: (item: T, position: number) => number
  if (known.length === 0) {
    assign = (_item, position) => position % shard.count
  } else {
    // Unknown instances count as the average known one.
    const average = known.reduce((sum, i) => sum + durations[i.name], 0) / known.length
    const weight = (i: T) => durations[i.name] ?? average
    const load = Array.from({length: shard.count}, () => 0)
    const owner = new Map<string, number>()
    const byWeight = [...sorted].sort((a, b) => weight(b) - weight(a) || (a.name < b.name ? -1 : 1))
    for (const item of byWeight) {
      const target = load.indexOf(Math.min(...load))
      load[target] += weight(item)
      owner.set(item.name, target)
    }
    assign = (item) => owner.get(item.name)!
  }
  return sorted.filter((item, position) => assign(item, position) === shard.index - 1)
}
