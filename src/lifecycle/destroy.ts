/**
 * Destroying by state and by label: what the state files name, plus any container the engine holds
 * with this project's label (a run killed between the engine call and the state write).
 */
import pLimit from 'p-limit'
import type {ContainerHandle, Driver} from '../../drivers/driver.js'
import {getDriver, type DriverChoice} from '../../drivers/index.js'
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
  drivers: DriverChoice[],
  names: Set<string> | undefined,
  resolve: (choice: DriverChoice) => Promise<Driver> = getDriver,
): Promise<DestroyOutcome[]> {
  const targets = new Map<string, {instance: string; handle: ContainerHandle}>()
  for (const st of store.readAll()) {
    if (names && !names.has(st.instance)) continue
    if (st.handle) targets.set(`${st.handle.driver}/${st.handle.name}`, {instance: st.instance, handle: st.handle})
    else store.remove(st.instance)
  }
  const choices = new Map<string, DriverChoice>()
  for (const c of [...drivers, ...store.readAll().map((s) => ({name: s.driver, socket: s.handle?.socket as string | undefined}))]) choices.set(`${c.name}\0${c.socket ?? ''}`, c)
  for (const choice of choices.values()) {
    const driver = await resolve(choice)
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
          await (await resolve({name: handle.driver, socket: handle.socket as string | undefined})).destroy(handle)
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
