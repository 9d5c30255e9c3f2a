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
  /** Set when an engine could not be asked for the project's containers (with `error`). */
  engine?: string
  error?: unknown
}

/**
 * One container once: by its engine id when known (two addresses may reach one engine: a socket
 * and SSH to the same dockerd), else by its engine's address and its name.
 */
const containerKey = (h: ContainerHandle) => `${h.driver}/${h.id ?? `${h.socket ?? ''}/${h.name}`}`

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
    if (st.handle) targets.set(containerKey(st.handle), {instance: st.instance, handle: st.handle})
    else store.remove(st.instance)
  }
  const choices = new Map<string, DriverChoice>()
  for (const c of [...drivers, ...store.readAll().map((s) => ({name: s.driver, socket: s.handle?.socket as string | undefined}))]) choices.set(`${c.name}\0${c.socket ?? ''}`, c)
  const silent: DestroyOutcome[] = []
  for (const choice of choices.values()) {
    let found: ContainerHandle[]
    try {
      found = await (await resolve(choice)).list({'galley.project': projectId(root)})
    } catch (error) {
      // An engine that does not answer (one of a pool, say) does not keep the others' containers.
      silent.push({instance: '', container: '', engine: choice.label ?? choice.socket ?? choice.name, error})
      continue
    }
    for (const handle of found) {
      const instance = handle.instance ?? handle.name
      if (names && !names.has(instance)) continue
      targets.set(containerKey(handle), {instance, handle})
    }
  }
  const limit = pLimit(8)
  const outcomes = await Promise.all(
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
  return [...silent, ...outcomes]
}
