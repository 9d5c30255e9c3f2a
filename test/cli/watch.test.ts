/**
 * `--watch` through the built CLI on the dummy driver: an edit re-runs only the instances whose
 * steps or tests read the file (their steps up to the edited one from the step cache), with one
 * status line each; Ctrl-C ends it with 130 and removes the instances unless --destroy never.
 */
import {appendFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {DummyProject, waitFor} from '../fakes/cli.js'

const PROJECT = `driver: {name: dummy}
platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: web
    provisioner: {steps: [{script: recipes/base.sh}, {script: recipes/web.sh}]}
    verifier: {tests: [{script: tests/web.sh}]}
  - name: db
    provisioner: {steps: [{script: recipes/base.sh}, {run: echo db}]}
`
const FILES = {'recipes/base.sh': 'echo base\n', 'recipes/web.sh': 'echo web\n', 'tests/web.sh': 'exit 0\n'}

const Watch = suite('galley --watch on the dummy driver')

/** Lines printed after `from`, once `pattern` has appeared among them. */
async function linesAfter(output: () => string, from: number, pattern: RegExp): Promise<string[]> {
  await waitFor(`output matching ${pattern}`, () => pattern.test(output().slice(from)), 15_000)
  return output().slice(from).trim().split('\n')
}

Watch('test --watch re-runs what an edit touches, from the step cache; Ctrl-C exits 130 and removes the instances', async () => {
  const p = new DummyProject(PROJECT, FILES)
  try {
    const run = p.start(['test', '--watch'])
    await waitFor('the first run', () => /watching 2 instances/.test(run.output()), 30_000)
    assert.match(run.output(), /web-bb {2}passed {2}converge 2 run · verify 1\/1/)
    assert.equal(p.containers().sort(), [p.container('db-bb'), p.container('web-bb')].sort())

    // The last step of web only: web converges again from its first step's snapshot; db is untouched.
    let from = run.output().length
    const edited = Date.now()
    appendFileSync(path.join(p.root, 'recipes/web.sh'), 'echo more\n')
    let lines = await linesAfter(run.output, from, /web-bb {2}passed/)
    console.log(`  re-run printed ${Date.now() - edited} ms after the edit`)
    assert.match(lines[0], /changed: recipes\/web.sh → web-bb$/)
    assert.match(lines[1], /web-bb {2}passed {2}converge 1 run, 1 cached · verify 1\/1/)
    assert.is(lines.length, 2)

    // A test file: web is verified again, not converged.
    from = run.output().length
    writeFileSync(path.join(p.root, 'tests/web.sh'), 'exit 0 # again\n')
    lines = await linesAfter(run.output, from, /web-bb {2}passed/)
    assert.match(lines[1], /web-bb {2}passed {2}verify 1\/1/)

    // A file both read: both run again, each from the cache up to that step (the first here).
    from = run.output().length
    appendFileSync(path.join(p.root, 'recipes/base.sh'), 'echo again\n')
    lines = await linesAfter(run.output, from, /db-bb {2}passed/)
    assert.match(lines[0], /changed: recipes\/base.sh → web-bb, db-bb$/)

    // galley.yml: every instance is planned again from the file as it is now.
    from = run.output().length
    writeFileSync(path.join(p.root, 'galley.yml'), PROJECT.replace('{run: echo db}', '{run: echo db2}'))
    lines = await linesAfter(run.output, from, /db-bb {2}passed {2}converge 1 run, 1 cached/)

    run.kill('SIGINT')
    const done = await run.done
    assert.is(done.code, 130, run.output())
    assert.equal(p.containers(), [])
  } finally {
    p.remove()
  }
})

Watch('converge --watch --destroy never keeps the instances when stopped; an edit nothing reads runs nothing', async () => {
  const p = new DummyProject(PROJECT, {...FILES, 'notes.txt': 'x\n'})
  try {
    const run = p.start(['converge', '--watch', '--destroy', 'never'])
    await waitFor('the first run', () => /watching 2 instances/.test(run.output()), 30_000)
    const from = run.output().length
    writeFileSync(path.join(p.root, 'notes.txt'), 'y\n')
    // A test file does not concern converge --watch either.
    writeFileSync(path.join(p.root, 'tests/web.sh'), 'exit 0 # again\n')
    appendFileSync(path.join(p.root, 'recipes/web.sh'), 'echo more\n')
    const lines = await linesAfter(run.output, from, /web-bb {2}passed/)
    assert.match(lines[0], /changed: recipes\/web.sh → web-bb$/)
    assert.match(lines[1], /web-bb {2}passed {2}converge 1 run, 1 cached$|web-bb {2}passed {2}converge 1 run, 1 cached {2}\(/)
    run.kill('SIGINT')
    assert.is((await run.done).code, 130)
    assert.is(p.containers().length, 2)
    assert.is((await p.run('destroy')).code, 0)
  } finally {
    p.remove()
  }
})

Watch.run()
