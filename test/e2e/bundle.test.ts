import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {makeProject, removeProject} from '../fakes/project.js'
import {galleyEnv, leftovers} from './cli.js'

const Bundle = suite('image save and load')

Bundle('a saved store loaded into an empty one runs without building, and its cached steps are reused', async () => {
  const token = randomBytes(4).toString('hex')
  const root = makeProject({
    'galley.yml': `platforms: [{name: bb, image: {bootstrap: busybox}}]
suites:
  - name: app
    provisioner: {steps: [{run: 'echo ${token} > /etc/token'}, {run: 'rm /bin/vi; mkdir -p /opt/x'}]}
    verifier: {tests: [{run: 'grep -q ${token} /etc/token && ! test -e /bin/vi'}]}
`,
  })
  const first = mkdtempSync(path.join(tmpdir(), 'galley-home-'))
  const second = mkdtempSync(path.join(tmpdir(), 'galley-home-'))
  const bundle = path.join(root, 'images.tgz')
  const inFirst = (...args: string[]) => galleyEnv({GALLEY_HOME: first}, 300_000, root, ...args)
  const inSecond = (...args: string[]) => galleyEnv({GALLEY_HOME: second}, 300_000, root, ...args)
  try {
    const built = inFirst('test', '--driver', 'lxc')
    assert.is(built.code, 0, built.stdout + built.stderr)
    const saved = inFirst('image', 'save', '-o', bundle, '--no-docker')
    assert.is(saved.code, 0, saved.stderr)
    assert.match(saved.stdout, /saved 1 images, 2 step layers and 0 Docker images/)
    assert.ok(statSync(bundle).size > 0)
    const loaded = inSecond('image', 'load', bundle, '--no-docker')
    assert.is(loaded.code, 0, loaded.stderr)
    assert.match(loaded.stdout, /loaded 1 images, 2 step layers/)
    // Every step comes from the loaded layers (their lowers now point into the second store), and
    // nothing is built: the image phase prints no build lines.
    const warm = inSecond('test', '--driver', 'lxc')
    assert.is(warm.code, 0, warm.stdout + warm.stderr)
    assert.match(warm.stdout, /app-bb\s+passed\s+2\/2 \(2 cached\)/)
    assert.not.match(warm.stdout, /image: /)
    const again = inSecond('image', 'load', bundle, '--no-docker')
    assert.match(again.stdout, /loaded 0 images, 0 step layers and 0 Docker images; 3 already here, kept/)
    const bad = inSecond('image', 'load', path.join(root, 'galley.yml'))
    assert.is(bad.code, 2)
    assert.match(bad.stderr, /is not a Galley image bundle/)
    assert.not.match(bad.stderr, /\n\s+at /)
  } finally {
    inFirst('destroy')
    inSecond('destroy')
    assert.equal(await leftovers(root), [])
    rmSync(first, {recursive: true, force: true})
    rmSync(second, {recursive: true, force: true})
    removeProject(root)
  }
})

Bundle.run()
