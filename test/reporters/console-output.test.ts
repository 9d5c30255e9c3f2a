import {PassThrough} from 'node:stream'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {RunEmitter} from '../../src/lifecycle/events.js'
import {ConsoleReporter} from '../../src/reporters/console.js'
import {taskResult} from '../fakes/results.js'

/** What a console reporter prints of a step whose output comes in `chunks`. */
function print(chunks: string[]): string {
  const events = new RunEmitter()
  const out = new PassThrough()
  let text = ''
  out.on('data', (b) => (text += b))
  const reporter = new ConsoleReporter(events, {out, live: false, color: false, level: 'info'})
  const instance = 'a-p'
  events.emit('task:start', {instance, kind: 'step', name: 'apt', index: 0, total: 1})
  for (const chunk of chunks) events.emit('task:output', {instance, kind: 'step', name: 'apt', stream: 'stdout', text: chunk})
  events.emit('task:end', {instance, result: taskResult('apt', {kind: 'step', durationMs: 10})})
  reporter.stop()
  return text
}

const Output = suite('console output of a task')

Output('a line a progress meter rewrites with CRs is printed once, in its last state', () => {
  const text = print(['Unpacking\n(Reading database ... \r(Reading database ... 5%', '\r(Reading database ... 6541 files and directories currently installed.)\r', '\nDone\n'])
  assert.is(
    text,
    '[a-p] step 1/1: apt\n[a-p] | Unpacking\n[a-p] | (Reading database ... 6541 files and directories currently installed.)\n[a-p] | Done\n[a-p] ok step apt (exit 0, 0.01s)\n',
  )
})

Output('an unfinished last line is printed when its task ends, in its last state', () => {
  assert.is(print(['Fetched 5%\rFetched 100%']), '[a-p] step 1/1: apt\n[a-p] | Fetched 100%\n[a-p] ok step apt (exit 0, 0.01s)\n')
})

Output.run()
