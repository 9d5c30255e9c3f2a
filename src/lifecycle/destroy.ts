/**
 * Destroying by state and by label: what the state files name, plus any container the engine holds
 * with this project's label (a run killed between the engine call and the state write).
 */
import pLimit from 'p-limit'
import type {ContainerHandle, Driver} from '../../drivers/driver.js'
import {getDriver} from '../../drivers/index.js'
import {projectId} from './instance.js'
import type {StateStore} from './state.js'

export interface DestroyOutcome {
  instance: string
  container: string
  error?: unknown
}

/** Destroys the named instances (all of the project's when `names` is undefined). */
export async function destroyInstances(
  root: string,
  store: StateStore,
  driverNames: string[],
  names: Set<string> | undefined,
  resolve: (name: string) => Promise<Driver> = getDriver,
): Promise<DestroyOutcome[]> {
  const targets = new Map<string, {instance: string; handle: ContainerHandle}>()
  for (const st of store.readAll()) {
    if (names && !names.has(st.instance)) continue
    if (st.handle) targets.set(`${st.handle.driver}/${st.handle.name}`, {instance: st.instance, handle: st.handle})
    else store.remove(st.instance)
  }
  for (const dn of new Set([...driverNames, ...store.readAll().map((s) => s.driver)])) {
    const driver = await resolve(dn)
    for (const handle of await driver.list({'galley.project': projectId(root)})) {
      const instance = handle.instance ?? handle.name
      if (names && !names.has(instance)) continue
      targets.set(`${handle.driver}/${handle.name}`, {instance, handle})
    }
  }
  const limit = pLimit(8)
  return Promise.all(
    [...targets.values()].map(({instance, handle}) =>
      limit(async (): Promise<DestroyOutcome> => {
        try {
          await (await resolve(handle.driver)).destroy(handle)
          const st = store.read(instance)
          if (!st?.handle || st.handle.name === handle.name) store.remove(instance)
          return {instance, container: handle.name}
        } catch (error) {
          return {instance, container: handle.name, error}
        }
      }),
    ),
  )
}
