import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {plan} from '../../src/lifecycle/instance.js'

const Plan = suite('plan')

Plan('verify on a destroyed instance creates and converges it first', () => {
  assert.equal(plan('destroyed', 'verify'), ['create', 'converge', 'verify'])
})

Plan('converge and verify always run again on an instance that reached them', () => {
  assert.equal(plan('converged', 'converge'), ['converge'])
  assert.equal(plan('verified', 'verify'), ['verify'])
  assert.equal(plan('verified', 'converge'), ['converge'])
})

Plan('a created instance whose converge failed is converged before verify', () => {
  assert.equal(plan('created', 'verify'), ['converge', 'verify'])
})

Plan('create is a no-op on an existing instance; destroy on a destroyed one', () => {
  assert.equal(plan('created', 'create'), [])
  assert.equal(plan('destroyed', 'destroy'), [])
})

Plan('a half-made container left by a crash is destroyed before anything else', () => {
  assert.equal(plan('creating', 'create'), ['destroy', 'create'])
  assert.equal(plan('creating', 'verify'), ['destroy', 'create', 'converge', 'verify'])
  assert.equal(plan('creating', 'destroy'), ['destroy'])
})

Plan.run()
