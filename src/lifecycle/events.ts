/** The typed events a run emits; reporters subscribe, the lifecycle never prints. */
import {EventEmitter} from 'node:events'
import type {InstanceResult, Phase, TaskKind, TaskResult} from '../model.js'

export interface RunEvents {
  'instance:phase': [{instance: string; phase: Phase}]
  'image:progress': [{instance: string; line: string}]
  'task:start': [{instance: string; kind: TaskKind; name: string; index: number; total: number}]
  'task:output': [{instance: string; kind: TaskKind; name: string; stream: 'stdout' | 'stderr'; text: string}]
  'task:end': [{instance: string; result: TaskResult}]
  'instance:done': [{result: InstanceResult}]
  /** Something a user should know that is not a task's output (for instance: a container left for inspection). */
  'instance:note': [{instance: string; message: string}]
}

export class RunEmitter extends EventEmitter<RunEvents> {}
