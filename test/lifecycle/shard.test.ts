import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {durationsFromJunit, parseShard, shardOf} from '../../src/lifecycle/shard.js'
import {makeProject, removeProject} from '../fakes/project.js'

const items = (n: number) => Array.from({length: n}, (_, i) => ({name: `suite${i % 4}-platform${Math.floor(i / 4)}`}))

const Shard = suite('sharding')

Shard('shards 1..N cover every instance exactly once, with and without durations', () => {
  for (const n of [1, 2, 3, 5, 8]) {
    for (const count of [1, 2, 3, 4, 7]) {
      for (const durations of [{}, Object.fromEntries(items(n).map((i, k) => [i.name, (k * 7919) % 1000])), {[items(n)[0].name]: 5000}]) {
        const all = items(n)
        const got = Array.from({length: count}, (_, i) => shardOf(all, {index: i + 1, count}, durations).map((x) => x.name)).flat()
        assert.equal([...got].sort(), all.map((x) => x.name).sort(), `n=${n} count=${count}`)
      }
    }
  }
})

Shard('the same inputs give the same shard, whatever order the instances come in', () => {
  const all = items(9)
  const reversed = [...all].reverse()
  for (const index of [1, 2, 3]) assert.equal(shardOf(all, {index, count: 3}), shardOf(reversed, {index, count: 3}))
})

Shard('durations balance the load: one long instance gets a shard to itself', () => {
  const all = items(6)
  const durations = Object.fromEntries(all.map((i) => [i.name, 10]))
  durations[all[3].name] = 100
  const shards = [1, 2].map((index) => shardOf(all, {index, count: 2}, durations).map((x) => x.name))
  const alone = shards.find((s) => s.includes(all[3].name))!
  assert.equal(alone, [all[3].name])
  // Without durations: round-robin by name, sizes differ by at most one.
  const sizes = [1, 2, 3, 4].map((index) => shardOf(items(10), {index, count: 4}).length)
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, String(sizes))
})

Shard('--shard takes I/N', () => {
  assert.equal(parseShard('2/3'), {index: 2, count: 3})
  for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '1/3/4', '-1/2']) assert.throws(() => parseShard(bad), /--shard takes I\/N/)
})

Shard('durations are read from a JUnit report', () => {
  const root = makeProject({})
  try {
    const file = path.join(root, 'all.xml')
    writeFileSync(file, '<?xml version="1.0"?><testsuites><testsuite name="web-bb" time="12.5" tests="1"></testsuite><testsuite tests="0" time="0.25" name="db-bb"/></testsuites>')
    assert.equal(durationsFromJunit(file), {'web-bb': 12500, 'db-bb': 250})
  } finally {
    removeProject(root)
  }
})

Shard.run()
