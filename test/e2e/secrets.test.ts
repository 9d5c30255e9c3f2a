import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, galleyEnv, leftovers} from './cli.js'

const SECRET = 'hunter2-from-config'
const FROM_ENV = 'pa55-from-environment'

const Secrets = suite('secrets')

Secrets('secret env values reach the instance but never the console, the logs or any report', async () => {
  const root = makeProject({
    'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: app
    provisioner:
      env: {TOKEN: {value: ${SECRET}, secret: true}, PASS: '\${GALLEY_TEST_PASS}'}
      steps: [{run: 'echo "$TOKEN:$PASS" > /etc/creds; echo token is $TOKEN; echo pass is $PASS >&2'}]
    verifier:
      tests:
        - {name: has them, run: 'grep -qx "${SECRET}:${FROM_ENV}" /etc/creds'}
        - {name: fails loudly, run: 'cat /etc/creds; exit 1'}
`,
  })
  try {
    const unset = galley(root, 'test')
    assert.is(unset.code, 2)
    assert.match(unset.stderr, /galley\.yml:5:\d+: env PASS: \$\{GALLEY_TEST_PASS\} is not set/)
    assert.is(galley(root, 'list').code, 0, 'commands that run nothing do not need it')
    const r = galleyEnv({GALLEY_TEST_PASS: FROM_ENV}, 300_000, root, 'test', '--driver', 'lxc', '--tap', 'r.tap', '--json', 'r.json', '--destroy', 'always')
    assert.is(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /token is \*\*\*/)
    assert.match(r.stdout, /ok test has them/, 'the instance got the real values')
    const files = ['r.tap', 'r.json', '.galley/junit.xml', ...readdirSync(path.join(root, '.galley', 'logs')).map((f) => `.galley/logs/${f}`)]
    for (const [where, text] of [['stdout', r.stdout], ['stderr', r.stderr], ...files.map((f) => [f, readFileSync(path.join(root, f), 'utf8')])]) {
      assert.not.ok(text.includes(SECRET) || text.includes(FROM_ENV), `a secret in ${where}`)
    }
    assert.match(readFileSync(path.join(root, '.galley/junit.xml'), 'utf8'), /\*\*\*:\*\*\*/)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Secrets.run()
