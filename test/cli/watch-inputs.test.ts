import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {concurrencyNote} from '../../src/cli/session.js'
import {foldersToWatch, touches, watchedInputs} from '../../src/cli/watch-inputs.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'

const Inputs = suite('what --watch watches')

Inputs('an instance reads its step scripts and its test scripts; an inline command reads no file', () => {
  const root = makeProject({'galley.yml': '#\n', 'recipes/a.sh': 'echo a\n', 'tests/t.sh': 'exit 0\n'})
  try {
    const spec = fakeSpec('web-bb', ['echo inline'])
    spec.provisioner.steps.push({name: 'recipes/a.sh', script: 'recipes/a.sh', env: {}})
    spec.verifier.tests.push({name: 'tests/t.sh', script: './tests/t.sh', exitStatus: 0, env: {}})
    assert.equal(watchedInputs(spec, root), {steps: ['recipes/a.sh'], tests: ['tests/t.sh']})
  } finally {
    removeProject(root)
  }
})

Inputs('a change touches a file input itself and anything inside a folder input', () => {
  assert.ok(touches(['recipes/a.sh'], 'recipes/a.sh'))
  assert.ok(touches(['roles'], 'roles/nginx/tasks/main.yml'))
  assert.not.ok(touches(['roles'], 'roles2/x'))
  assert.not.ok(touches(['recipes/a.sh'], 'recipes/a.sh.swp'))
  assert.ok(touches(['.'], 'anything'))
})

Inputs('folders to watch: the project, each file input folder, each folder input with what is below it', () => {
  const folders = foldersToWatch('/p', ['recipes/a.sh', 'roles', 'b.sh'], (abs) => abs === '/p/roles')
  assert.equal(folders, [{dir: '/p', recursive: false}, {dir: '/p/recipes', recursive: false}, {dir: '/p/roles', recursive: true}])
})

Inputs('a concurrency the thread pool cannot serve at once is said, for LXC only', () => {
  assert.is(concurrencyNote(4, true, {UV_THREADPOOL_SIZE: '8'}), undefined)
  assert.match(concurrencyNote(8, true, {UV_THREADPOOL_SIZE: '4'})!, /UV_THREADPOOL_SIZE=4 lets 2 LXC commands run at once/)
  assert.is(concurrencyNote(8, false, {UV_THREADPOOL_SIZE: '4'}), undefined)
})

Inputs.run()
