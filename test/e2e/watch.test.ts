/** `test --watch` on LXC: an edited step converges again from the step cache; Ctrl-C leaves nothing. */
import {appendFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {makeProject, removeProject} from '../fakes/project.js'
import {galleyAsync, leftovers, waitFor} from './cli.js'

const Watch = suite('galley test --watch on LXC')

Watch('an edit of the last step runs it alone again, from the cache, and verifies; Ctrl-C exits 130 and removes the instance', async () => {
  const root = makeProject({
    'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: watchme
    provisioner: {steps: [{script: first.sh}, {script: last.sh}]}
    verifier: {tests: [{name: last ran, run: 'test -f /last'}]}
`,
    'first.sh': 'echo first > /first\n',
    'last.sh': 'echo last > /last\n',
  })
  try {
    const run = galleyAsync(root, 'test', '--watch', '--driver', 'lxc')
    await waitFor('the first run', () => /watching 1 instance/.test(run.output()), 120_000)
    assert.match(run.output(), /watchme-bb {2}passed {2}converge \d run.* · verify 1\/1/)
    const from = run.output().length
    const edited = Date.now()
    appendFileSync(path.join(root, 'last.sh'), `echo ${edited} >> /last\n`)
    await waitFor('the re-run', () => /watchme-bb {2}passed/.test(run.output().slice(from)), 60_000)
    console.log(`  re-run printed ${Date.now() - edited} ms after the edit`)
    assert.match(run.output().slice(from), /changed: last.sh → watchme-bb\n.*watchme-bb {2}passed {2}converge 1 run, 1 cached · verify 1\/1/)
    run.kill('SIGINT')
    assert.is(await run.done, 130, run.output())
    assert.equal(await leftovers(root), [])
  } finally {
    removeProject(root)
  }
})

Watch.run()
