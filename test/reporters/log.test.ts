import {readFileSync} from 'node:fs'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {RunEmitter} from '../../src/lifecycle/events.js'
import {LogReporter, logPath} from '../../src/reporters/log.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {instanceResult, taskResult} from '../fakes/results.js'

/** The output lines a log reporter writes for one step whose output comes in `chunks`, then the instance's end. */
async function logOf(chunks: string[], ended = true): Promise<string[]> {
  const root = makeProject({})
  try {
    const events = new RunEmitter()
    const log = new LogReporter(root, events, 'converge')
    const instance = 'a-p'
    events.emit('instance:phase', {instance, phase: 'converge'})
    events.emit('task:start', {instance, kind: 'step', name: 'apt', index: 0, total: 1})
    for (const chunk of chunks) events.emit('task:output', {instance, kind: 'step', name: 'apt', stream: 'stdout', text: chunk})
    if (ended) events.emit('task:end', {instance, result: taskResult('apt', {kind: 'step', durationMs: 10})})
    events.emit('instance:done', {result: instanceResult(instance, ended ? 'passed' : 'interrupted')})
    await log.close()
    const lines = readFileSync(logPath(root, instance), 'utf8').split('\n')
    // From the task's start to the instance's end, without the time stamps.
    return lines.slice(lines.findIndex((l) => l.startsWith('--- step')) + 1, -1)
  } finally {
    removeProject(root)
  }
}

const Log = suite('LogReporter')

Log("a line a progress meter rewrites with CRs is written once, in its last state; CRLF ends a line", async () => {
  const dpkg = '(Reading database ... \r(Reading database ... 5%\r(Reading database ... 6541 files and directories currently installed.)\r\n'
  assert.equal(await logOf(['Unpacking\r\n', dpkg.slice(0, 30), dpkg.slice(30), 'Setting up tree']), [
    'Unpacking',
    '(Reading database ... 6541 files and directories currently installed.)',
    'Setting up tree',
    '--- ok: exit 0 in 0.01s',
    '----- passed',
  ])
})

Log('the last line of a task cut short is written when its instance ends', async () => {
  assert.equal(await logOf(['Fetched 5%\rFetched 40%'], false), ['Fetched 40%', '----- interrupted'])
})

Log.run()
