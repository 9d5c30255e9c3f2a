import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {LineSplitter} from '../../src/lifecycle/output-lines.js'

// What dpkg prints while it reads its database, when its output is not a terminal.
const DPKG =
  'Selecting previously unselected package tree.\n' +
  '(Reading database ... \r(Reading database ... 5%\r(Reading database ... 50%\r(Reading database ... 100%\r' +
  '(Reading database ... 6541 files and directories currently installed.)\n' +
  'Preparing to unpack .../tree_2.1.0-1_amd64.deb ...\n'
const DPKG_LINES = [
  'Selecting previously unselected package tree.',
  '(Reading database ... 6541 files and directories currently installed.)',
  'Preparing to unpack .../tree_2.1.0-1_amd64.deb ...',
]

/** Every line of `chunks` fed one by one, then what the splitter still holds. */
function split(chunks: string[]): string[] {
  const s = new LineSplitter()
  return [...chunks.flatMap((c) => s.push(c)), ...s.flush()]
}

const Lines = suite('LineSplitter')

Lines('a line a progress meter rewrites with CRs is its last state', () => {
  assert.equal(split([DPKG]), DPKG_LINES)
})

Lines('however the output is cut into chunks, the lines are the same', () => {
  for (let i = 0; i <= DPKG.length; i++) assert.equal(split([DPKG.slice(0, i), DPKG.slice(i)]), DPKG_LINES, `cut at ${i}`)
  assert.equal(split([...DPKG]), DPKG_LINES, 'one character at a time')
})

Lines('CRLF ends a line, even cut between its CR and its LF; blank lines stay', () => {
  assert.equal(split(['one\r', '\ntwo\r\n\r\n', 'three\r\r\n']), ['one', 'two', '', 'three'])
  assert.equal(split(['a\n\nb\n']), ['a', '', 'b'])
})

Lines('the unfinished last line comes out at the end, in its last state', () => {
  const s = new LineSplitter()
  assert.equal(s.push('done\nDownloading 10%\rDownloading 90%'), ['done'])
  assert.equal(s.flush(), ['Downloading 90%'])
  assert.equal(s.flush(), [], 'nothing is held after a flush')
  assert.equal(split(['ends with a CR\r']), ['ends with a CR'])
  assert.equal(split(['\r']), [])
})

Lines('a meter that never ends its line still comes out in its last state', () => {
  const s = new LineSplitter()
  for (let i = 0; i < 10_000; i++) assert.equal(s.push(`\r${'x'.repeat(100)} ${i}%`), [])
  assert.equal(s.flush(), [`${'x'.repeat(100)} 9999%`])
})

Lines.run()
