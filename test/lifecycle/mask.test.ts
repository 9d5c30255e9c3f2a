import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceResult} from '../../src/model.js'
import {RunEmitter} from '../../src/lifecycle/events.js'
import {instanceResult} from '../fakes/results.js'
import {MASK, Masker, maskEvents} from '../../src/lifecycle/mask.js'

const Mask = suite('secret masking')

Mask('secrets are masked whole, the longest first; short values are not secrets', () => {
  const m = new Masker(['hunter2', 'hunter2-extra', 'ab'])
  assert.is(m.mask('a hunter2-extra and hunter2 ab'), `a ${MASK} and ${MASK} ab`)
  assert.not.ok(new Masker(['ab', '']).active)
})

Mask('a secret split across chunks is still masked, and text is held back only while it could begin one', () => {
  const m = new Masker(['s3cr3t-token'])
  const out = [m.stream('k', 'token=s3c'), m.stream('k', 'r3t-to'), m.stream('k', 'ken done\nnext s'), m.flush('k')]
  assert.is(out.join(''), `token=${MASK} done\nnext s`)
  assert.is(out[0], 'token=', 'the possible start is held back')
  assert.is(m.stream('other', 'plain text\n'), 'plain text\n', 'nothing held when nothing could begin a secret')
})

Mask('events reach listeners masked, and results are masked in place', () => {
  const events = new RunEmitter()
  maskEvents(events, ['p4ssw0rd'])
  const seen: string[] = []
  events.on('task:output', (e) => seen.push(e.text))
  events.on('instance:note', (e) => seen.push(e.message))
  events.emit('task:output', {instance: 'i', kind: 'step', name: 's', stream: 'stdout', text: 'pw=p4ss'})
  events.emit('task:output', {instance: 'i', kind: 'step', name: 's', stream: 'stdout', text: 'w0rd\n'})
  const result = {kind: 'step' as const, name: 's', ok: false, exitCode: 1, expected: 0, durationMs: 1, outputTail: 'pw=p4ssw0rd', message: 'said p4ssw0rd'}
  events.emit('task:end', {instance: 'i', result})
  events.emit('instance:note', {instance: 'i', message: 'note p4ssw0rd'})
  const done: InstanceResult = instanceResult('i', 'failed', [result], [], {message: 'failed: p4ssw0rd'})
  events.emit('instance:done', {result: done})
  assert.is(seen.join(''), `pw=${MASK}\nnote ${MASK}`)
  assert.is(result.outputTail, `pw=${MASK}`)
  assert.is(result.message, `said ${MASK}`)
  assert.is(done.message, `failed: ${MASK}`)
})

Mask.run()
