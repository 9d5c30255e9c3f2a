/** A lifecycle run on the dummy driver in a throwaway project, for tests of instances and the runner. */
import {DummyDriver} from '../../drivers/dummy/driver.js'
import type {InstanceSpec} from '../../src/config/types.js'
import {RunEmitter} from '../../src/lifecycle/events.js'
import {Instance, type InstanceDeps} from '../../src/lifecycle/instance.js'
import {StateStore} from '../../src/lifecycle/state.js'
import {makeProject, removeProject} from './project.js'

export interface DummyRun {
  root: string
  driver: DummyDriver
  store: StateStore
  events: RunEmitter
  controller: AbortController
}

/** A project folder, a dummy engine (or `driver`), a state store, an event stream and an abort switch. */
export function dummyRun(driver: DummyDriver = new DummyDriver()): DummyRun {
  const root = makeProject({'galley.yml': '# unused by these tests\n'})
  return {root, driver, store: new StateStore(root), events: new RunEmitter(), controller: new AbortController()}
}

export function endRun(run: DummyRun): void {
  removeProject(run.root)
}

/** Instances of `specs` on the run's engine, store and events. */
export function instancesOf(run: DummyRun, specs: InstanceSpec[], extra: Partial<InstanceDeps> = {}): Instance[] {
  return specs.map((spec) => new Instance({spec, driver: run.driver, store: run.store, events: run.events, root: run.root, runId: 'r1', signal: run.controller.signal, ...extra}))
}
