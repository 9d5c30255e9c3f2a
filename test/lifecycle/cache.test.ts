import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import type {InstanceSpec} from '../../src/config/types.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'

const Keys = suite('stepKeys')

const keysOf = (spec: InstanceSpec, base: string, root: string) => stepKeys(spec, provisionSteps(spec, root), base, root)

const withScript = (spec: InstanceSpec): InstanceSpec => ({
  ...spec,
  provisioner: {...spec.provisioner, steps: [spec.provisioner.steps[0], {name: 's.sh', script: 's.sh', env: {}}, spec.provisioner.steps[1]]},
})

Keys('a change to a step changes its key and every later one, not the earlier ones', () => {
  const root = makeProject({'s.sh': 'echo v1\n'})
  try {
    const spec = withScript(fakeSpec('a-p', ['echo one', 'echo three']))
    const before = keysOf(spec, 'base-1', root)
    assert.equal(keysOf(spec, 'base-1', root), before)
    const edited = makeProject({'s.sh': 'echo v2\n'})
    const after = keysOf(spec, 'base-1', edited)
    removeProject(edited)
    assert.is(after[0], before[0])
    assert.is.not(after[1], before[1])
    assert.is.not(after[2], before[2])
    assert.is.not(keysOf(spec, 'base-2', root)[0], before[0])
  } finally {
    removeProject(root)
  }
})

Keys('env and the instance are part of the key', () => {
  const a = fakeSpec('a-p', ['echo one'])
  const envChanged = {...a, provisioner: {...a.provisioner, env: {X: '1'}}}
  const otherInstance = fakeSpec('b-p', ['echo one'])
  const k = keysOf(a, 'base', '/')[0]
  assert.is.not(keysOf(envChanged, 'base', '/')[0], k)
  assert.is.not(keysOf(otherInstance, 'base', '/')[0], k)
})

Keys.run()
