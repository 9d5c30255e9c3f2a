import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {mergeJunit} from '../../src/reporters/merge.js'
import {readJunit} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'

const shard = (suites: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="9" failures="9">${suites}</testsuites>\n`
const A = shard(`<testsuite name="web-bb" tests="2" failures="1" errors="0" skipped="0" time="1.5"><properties><property name="driver" value="lxc"/></properties>
<testcase classname="web-bb.verify" name="port 80" time="0.1"><failure message="expected listening, got closed" type="TestFailed"><![CDATA[out <&> put]]></failure></testcase>
<testcase classname="web-bb.verify" name="ok" time="0.2"><system-out>fine &amp; dandy</system-out></testcase></testsuite>`)
const B = `<?xml version="1.0"?><testsuite name="db-bb" tests="1" failures="0" errors="1" skipped="1" time="2"><testcase classname="db-bb.converge" name="x"><error message="engine" type="EngineError"/></testcase><testcase classname="db-bb.verify" name="y"><skipped/></testcase></testsuite>`

const Merge = suite('report merge')

Merge('merges every suite of every file, recomputes totals, and keeps cases as written', () => {
  const root = makeProject({'a.xml': A, 'b.xml': B})
  try {
    const merged = mergeJunit([path.join(root, 'a.xml'), path.join(root, 'b.xml')])
    assert.equal([merged.suites, merged.tests, merged.failures, merged.errors, merged.skipped, merged.duplicates], [2, 3, 1, 1, 1, []])
    writeFileSync(path.join(root, 'all.xml'), merged.xml)
    const doc = readJunit(path.join(root, 'all.xml'))
    assert.equal([doc.tests, doc.failures, doc.errors], [3, 1, 1])
    assert.equal(doc.suites.map((s) => s.name), ['web-bb', 'db-bb'])
    assert.is(doc.suites[0].properties.driver, 'lxc')
    assert.is(doc.suites[0].cases[0].failure?.message, 'expected listening, got closed')
    assert.match(doc.suites[0].cases[0].failure?.text ?? '', /out <&> put/)
    assert.ok(doc.suites[1].cases[1].skipped)
  } finally {
    removeProject(root)
  }
})

Merge('an instance in two files is reported as a duplicate; bad input is refused with its place', () => {
  const root = makeProject({'a.xml': A, 'again.xml': A, 'bad.xml': '<testsuites><testsuite>\n</testsuites>', 'other.xml': '<html/>'})
  try {
    assert.equal(mergeJunit([path.join(root, 'a.xml'), path.join(root, 'again.xml')]).duplicates, ['web-bb'])
    assert.throws(() => mergeJunit([path.join(root, 'bad.xml')]), /bad\.xml:\d+:\d+: not XML/)
    assert.throws(() => mergeJunit([path.join(root, 'other.xml')]), /holds no <testsuites>/)
    assert.throws(() => mergeJunit([path.join(root, 'missing.xml')]), /cannot read/)
  } finally {
    removeProject(root)
  }
})

Merge.run()
