import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {formatDuration} from '../../src/config/values.js'
import {DEFAULT_PIDS, DEFAULT_STEP_TIMEOUT_MS, DEFAULT_TEST_TIMEOUT_MS, limitMessage, timeoutFor, timeoutMessage} from '../../src/lifecycle/guard.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {shellTests} from '../../src/verifiers/shell.js'
import {configErrorsOf} from '../fakes/config.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'

const YML = `platforms:
  - name: bb
    image: {bootstrap: busybox}
suites:
  - name: web
    provisioner:
      timeout: 5m
      steps:
        - run: echo quick
        - run: sleep 100
          timeout: 2s
    verifier:
      timeout: 1m
      tests:
        - {name: fast, run: 'true'}
        - {name: slow, run: sleep 100, timeout: 90s}
`

function load(yml: string) {
  const root = makeProject({'galley.yml': yml})
  const cwd = process.cwd()
  process.chdir(root)
  try {
    return loadConfig({cwd: root}).instances[0]
  } finally {
    process.chdir(cwd)
    removeProject(root)
  }
}

const Timeouts = suite('timeouts: settings and precedence')

Timeouts('galley.yml sets them on steps, tests, the provisioner and the verifier, each saying where', () => {
  const spec = load(YML)
  assert.equal(spec.provisioner.timeout, {ms: 300_000, where: 'provisioner.timeout (galley.yml:7)'})
  assert.equal(spec.verifier.timeout, {ms: 60_000, where: 'verifier.timeout (galley.yml:13)'})
  assert.equal(spec.provisioner.steps.map((s) => s.timeout), [undefined, {ms: 2000, where: "the step's `timeout:` (galley.yml:10)"}])
  assert.equal(spec.verifier.tests[1].timeout, {ms: 90_000, where: "the test's `timeout:` (galley.yml:16)"})
})

Timeouts("a step's or test's own timeout wins, then --timeout, then the suite's, then the default", () => {
  const spec = load(YML)
  const [quick, slow] = provisionSteps(spec, '/nowhere')
  const [fast, slowTest] = shellTests(spec.verifier, spec.provisioner)
  assert.is(timeoutFor(slow, spec).ms, 2000)
  assert.is(timeoutFor(slow, spec, 10_000).ms, 2000, 'a step of its own beats --timeout')
  assert.equal(timeoutFor(quick, spec), spec.provisioner.timeout)
  assert.equal(timeoutFor(quick, spec, 10_000), {ms: 10_000, where: '--timeout'})
  assert.equal(timeoutFor(fast, spec), spec.verifier.timeout)
  assert.is(timeoutFor(slowTest, spec, 0).ms, 90_000)
  assert.is(timeoutFor(fast, spec, 0).ms, 0, '--timeout 0: none')
  const bare = fakeSpec('web-bb', ['echo'], ['true'])
  assert.equal(timeoutFor({kind: 'step'}, bare), {ms: DEFAULT_STEP_TIMEOUT_MS, where: "Galley's default for steps"})
  assert.equal(timeoutFor({kind: 'idempotence'}, bare).ms, DEFAULT_STEP_TIMEOUT_MS)
  assert.equal(timeoutFor({kind: 'test'}, bare), {ms: DEFAULT_TEST_TIMEOUT_MS, where: "Galley's default for tests"})
})

Timeouts('a timeout that is not a duration is a config error at its place', () => {
  const errors = configErrorsOf({'galley.yml': YML.replace('timeout: 2s', 'timeout: soon')})
  assert.equal(errors, ['galley.yml:11:20: galley.yml.suites[0].provisioner.steps[1].timeout must be a duration such as 30s, 2m or 500ms, got string "soon"'])
})

Timeouts('messages name the limit, where it is set and how to raise it', () => {
  assert.is(
    timeoutMessage('step', 'sleep 100', {ms: 2000, where: "the step's `timeout:` (galley.yml:11)"}),
    "step `sleep 100` ran over its time limit of 2s (set by the step's `timeout:` (galley.yml:11)) and was killed with every process it started; raise it with `timeout:` on the step, `provisioner: {timeout: ...}` or --timeout",
  )
  assert.match(timeoutMessage('test', 'slow', {ms: 600_000, where: "Galley's default for tests"}), 'test `slow` ran over its time limit of 10m (set by Galley\'s default for tests)')
  assert.is(formatDuration(5_400_000), '1h30m')
  const spec = fakeSpec('web-bb', ['bomb'])
  const zero = {pids: 0, memory: 0}
  assert.is(
    limitMessage('step', 'bomb', spec, zero, {pids: 37, memory: 0}),
    `step \`bomb\` hit the instance's pids limit of ${DEFAULT_PIDS} processes (Galley's default): 37 forks were refused; a recipe that needs more can raise it with \`driver: {pids: ${DEFAULT_PIDS * 4}}\``,
  )
  const small = {...spec, driver: {...spec.driver, pids: 64, memory: 64 * 1024 * 1024}}
  assert.match(limitMessage('step', 'bomb', small, zero, {pids: 1, memory: 0})!, 'pids limit of 64 processes (set by driver.pids): 1 fork was refused')
  assert.is(
    limitMessage('test', 'hungry', small, zero, {pids: 0, memory: 2})!,
    "test `hungry` ran out of the instance's memory limit of 64M (set by driver.memory): the kernel killed 2 processes for want of memory; raise it with `driver: {memory: 128M}`",
  )
  assert.is(limitMessage('step', 'fine', spec, {pids: 3, memory: 1}, {pids: 3, memory: 1}), undefined)
})

Timeouts.run()
