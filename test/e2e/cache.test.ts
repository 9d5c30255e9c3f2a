import {randomBytes} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers} from './cli.js'

// A token of this run in the env makes every key new, so earlier runs' snapshots are not found.
const config = (last: string, token: string) => `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: five
    provisioner:
      env: {RUN: ${token}}
      steps:
${[1, 2, 3, 4].map((i) => `        - {run: 'echo step${i} >> /steps'}`).join('\n')}
        - {script: last.sh}
    verifier: {tests: [{name: every step left its line, run: 'test "$(cat /steps | tr "\\\\n" " ")" = "step1 step2 step3 step4 ${last} "'}]}
`

const Cache = suite('step cache through the CLI')

for (const engine of ['lxc', 'docker'] as const) {
  Cache(`${engine}: a second test restores every step; editing the last step reruns only it`, async () => {
    const token = randomBytes(6).toString('hex')
    const root = makeProject({'galley.yml': config('v1', token), 'last.sh': 'echo v1 >> /steps\n'})
    try {
      const first = galley(root, 'test', '--driver', engine)
      assert.is(first.code, 0, first.stdout + first.stderr)
      assert.not.match(first.stdout, /cached step/)
      const again = galley(root, 'test', '--driver', engine)
      assert.is(again.code, 0, again.stdout + again.stderr)
      assert.match(again.stdout, /five-bb\s+passed\s+5\/5 \(5 cached\)/)
      writeFileSync(path.join(root, 'last.sh'), 'echo v2 >> /steps\n')
      writeFileSync(path.join(root, 'galley.yml'), config('v2', token))
      const edited = galley(root, 'test', '--driver', engine)
      assert.is(edited.code, 0, edited.stdout + edited.stderr)
      const cases = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0].cases.filter((c) => c.classname.endsWith('.converge'))
      assert.equal(cases.map((c) => c.time === 0), [true, true, true, true, false], edited.stdout)
      assert.match(edited.stdout, /cached step echo step4/)
      assert.not.match(edited.stdout, /cached step last\.sh/)
      const noCache = galley(root, 'converge', '--no-cache', '--driver', engine)
      assert.is(noCache.code, 0, noCache.stderr)
      assert.not.match(noCache.stdout, /cached/)
    } finally {
      galley(root, 'destroy', '--driver', engine)
      assert.equal(await leftovers(root, engine), [])
      // Snapshots nothing uses any more, these tests' included, so repeated runs do not fill the disk.
      const pruned = galley(root, 'cache', 'prune', '--all')
      assert.match(pruned.stdout, /snapshots removed|nothing to remove/, `exit ${pruned.code}: ${pruned.stdout.slice(-500)}${pruned.stderr}`)
      removeProject(root)
    }
  })
}

Cache('lxc: a base image under a container built on a step layer cannot be removed', async () => {
  const root = makeProject({'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]\nsuites:\n  - name: one\n    provisioner: {env: {RUN: x${randomBytes(6).toString('hex')}}, steps: [{run: 'echo x > /x'}]}\n`})
  try {
    assert.is(galley(root, 'converge', '--driver', 'lxc').code, 0)
    // The second converge makes the container afresh from the step's layer, stacked on the base.
    const again = galley(root, 'converge', '--driver', 'lxc')
    assert.match(again.stdout, /cached step echo x/)
    const base = (JSON.parse(readFileSync(path.join(root, '.galley', 'state', 'one-bb.json'), 'utf8')) as {base: string}).base
    const rm = galley(root, 'image', 'rm', base)
    assert.is(rm.code, 1)
    assert.match(rm.stderr, /in use by one-bb-/)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Cache.run()
