import {readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, galleyEnv, leftovers} from './cli.js'

const Ci = suite('galley test as a GitHub Actions step')

Ci('failures become ::error annotations at their file and line, each instance one group, and a job summary', async () => {
  const root = makeProject({
    'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: web
    verifier:
      tests:
        - name: inline fails
          run: 'echo nope; false'
        - script: tests/check.sh
      assert:
        - {file: /etc/motd, contains: welcome}
  - name: ok
    verifier:
      tests: [{run: 'true'}]
`,
    'tests/check.sh': '#!/bin/sh\nexit 3\n',
  })
  try {
    const r = galleyEnv({GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: root, GITHUB_STEP_SUMMARY: path.join(root, 'summary.md')}, 300_000, root, 'test', '--driver', 'lxc', '--destroy', 'always')
    assert.is(r.code, 1, r.stdout + r.stderr)
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error '))
    assert.equal(errors, [
      '::error file=galley.yml,line=6,title=web-bb%3A test inline fails::test inline fails failed on web-bb: test `inline fails` exited with 1',
      '::error file=tests/check.sh,title=web-bb%3A test tests/check.sh::test tests/check.sh failed on web-bb: test `tests/check.sh` exited with 3',
      '::error file=galley.yml,line=10,title=web-bb%3A test file /etc/motd::test file /etc/motd failed on web-bb: expected file /etc/motd to exist, got no such file or directory',
    ])
    // Each instance's lines sit together in its group.
    const groups = [...r.stdout.matchAll(/::group::(\S+): (\w+) in [\d.]+s\n([\s\S]*?)::endgroup::/g)]
    assert.equal(groups.map((g) => [g[1], g[2]]).sort(), [['ok-bb', 'passed'], ['web-bb', 'failed']])
    for (const g of groups) assert.not.match(g[3], new RegExp(`\\[${g[1] === 'ok-bb' ? 'web-bb' : 'ok-bb'}\\]`))
    const summary = readFileSync(path.join(root, 'summary.md'), 'utf8')
    assert.match(summary, /### Galley: 1 of 2 instances passed/)
    assert.match(summary, /\| web-bb \| ❌ failed \| verify \|/)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Ci.run()
