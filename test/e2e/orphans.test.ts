import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, galleyAsync, leftovers, stateOf, waitFor} from './cli.js'

const kitchen = (seconds: number) => `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: slow
    provisioner: {steps: [{run: 'sleep ${seconds}'}]}
  - name: quick
    provisioner: {steps: [{run: 'true'}]}
`

const Orphans = suite('leaks and locks')

for (const engine of ['lxc', 'docker'] as const) {
  Orphans(`${engine}: prune --orphans removes the container of a run killed with kill -9, and keeps instances kept on purpose`, async () => {
    const killedRun = makeProject({'galley.yml': kitchen(60)})
    const kept = makeProject({'galley.yml': kitchen(0)})
    try {
      assert.is(galley(kept, 'test', 'quick', '--destroy', 'never', '--driver', engine).code, 0)
      const run = galleyAsync(killedRun, 'converge', 'slow', '--no-cache', '--driver', engine)
      await waitFor('the slow step to start', () => stateOf(killedRun, 'slow-bb') === 'created', 60_000)
      run.kill('SIGKILL')
      await run.done
      assert.is((await leftovers(killedRun, engine)).length, 1, 'kill -9 leaves the container')
      const listed = galley(killedRun, 'prune', '--orphans', '--dry-run')
      assert.match(listed.stdout, new RegExp(`would remove ${engine} container slow-bb-\\w+ \\(instance slow-bb of ${killedRun}\\)`))
      assert.is((await leftovers(killedRun, engine)).length, 1, '--dry-run removes nothing')
      const pruned = galley(killedRun, 'prune', '--orphans')
      assert.is(pruned.code, 0, pruned.stderr)
      assert.equal(await leftovers(killedRun, engine), [])
      assert.is(stateOf(killedRun, 'slow-bb'), undefined, 'the state that named it goes too')
      assert.is((await leftovers(kept, engine)).length, 1, 'an instance kept by --destroy never stays')
    } finally {
      galley(killedRun, 'destroy')
      galley(kept, 'destroy')
      assert.equal(await leftovers(killedRun, engine), [])
      assert.equal(await leftovers(kept, engine), [])
      removeProject(killedRun)
      removeProject(kept)
    }
  })
}

Orphans('a second run on an instance in use fails naming the holder; a run on another instance goes ahead', async () => {
  const root = makeProject({'galley.yml': kitchen(4)})
  try {
    const first = galleyAsync(root, 'converge', 'slow', '--no-cache', '--driver', 'lxc')
    await waitFor('the first run to create its container', () => stateOf(root, 'slow-bb') === 'created', 60_000)
    const second = galley(root, 'test', 'slow', '--driver', 'lxc')
    assert.is(second.code, 2)
    assert.match(second.stderr, new RegExp(`instance slow-bb is in use by another galley process: pid ${first.pid} running \`galley converge slow --no-cache --driver lxc\``))
    const other = galley(root, 'test', 'quick', '--driver', 'lxc')
    assert.is(other.code, 0, other.stdout + other.stderr)
    assert.is(await first.done, 0, first.output())
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Orphans.run()
