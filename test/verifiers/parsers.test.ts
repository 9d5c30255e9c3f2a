import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {NotJunitError, parseJunitReport} from '../../src/verifiers/junit-report.js'
import {parseTap} from '../../src/verifiers/tap.js'

const Tap = suite('parseTap')

Tap('reads bats output: plan, passes, failures with their diagnostics, skips', () => {
  const report = parseTap(`1..4
ok 1 addition using bc
not ok 2 addition using dc
# (in test file test/add.bats, line 12)
#   \`[ "$result" -eq 5 ]' failed
ok 3 a test with \\# in its name # skip not on this platform
ok 4 - dashed name
`)
  assert.is(report.planned, 4)
  assert.equal(
    report.cases.map((c) => [c.number, c.name, c.ok, c.skipped]),
    [
      [1, 'addition using bc', true, false],
      [2, 'addition using dc', false, false],
      [3, 'a test with # in its name', true, true],
      [4, 'dashed name', true, false],
    ],
  )
  assert.equal(report.cases[1].diagnostics, ['(in test file test/add.bats, line 12)', '  `[ "$result" -eq 5 ]\' failed'])
  assert.is(report.cases[2].reason, 'not on this platform')
})

Tap('a failing todo does not fail; YAML blocks and Bail out! are kept', () => {
  const report = parseTap(`TAP version 13
1..3
not ok 1 later # TODO not done
not ok 2 broken
  ---
  message: boom
  ...
Bail out! database down
`)
  assert.equal(report.cases.map((c) => c.ok), [true, false])
  assert.equal(report.cases[1].diagnostics, ['message: boom'])
  assert.is(report.bailOut, 'database down')
  assert.is(report.planned, 3)
})

const Junit = suite('parseJunitReport')

Junit('reads pytest-style nested suites: passes, failures with message and text, errors, skips', () => {
  const cases = parseJunitReport(`<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4">
<testcase classname="tests.test_web" name="test_ok" time="0.125"/>
<testcase classname="tests.test_web" name="test_bad" time="0.5"><failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2</failure><system-out>printed</system-out></testcase>
<testcase classname="tests.test_web" name="test_err"><error>only a trace</error></testcase>
<testcase classname="tests.test_web" name="test_skip"><skipped message="no network" type="pytest.skip"/></testcase>
</testsuite></testsuites>`)
  assert.equal(
    cases.map((c) => [c.classname, c.name, c.ok, c.skipped, c.message, c.timeMs]),
    [
      ['tests.test_web', 'test_ok', true, false, undefined, 125],
      ['tests.test_web', 'test_bad', false, false, 'assert 1 == 2', 500],
      ['tests.test_web', 'test_err', false, false, 'only a trace', 0],
      ['tests.test_web', 'test_skip', true, true, 'no network', 0],
    ],
  )
  assert.match(cases[1].text, /> {7}assert 1 == 2\nprinted$/)
})

Junit('a lone <testsuite> root (serverspec, bats --formatter junit) is read too', () => {
  const cases = parseJunitReport('<testsuite name="bats"><testcase name="one" classname="x.bats"/><testcase name="two"><failure>no</failure></testcase></testsuite>')
  assert.equal(cases.map((c) => [c.name, c.ok, c.message]), [['one', true, undefined], ['two', false, 'no']])
})

Junit('what is not a JUnit report is refused with the reason', () => {
  assert.throws(() => parseJunitReport('<html><body>oops</body></html>'), (e: Error) => e instanceof NotJunitError && /no <testsuites> or <testsuite>/.test(e.message))
  assert.throws(() => parseJunitReport('<testsuite><testcase name="x"></testsuite>'), (e: Error) => e instanceof NotJunitError && /not well-formed XML/.test(e.message))
})

Tap.run()
Junit.run()
