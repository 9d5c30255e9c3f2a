/** Makes sure selected instances exist (creating them if needed) before login or exec. */
import type {ContainerHandle} from '../../drivers/driver.js'
import type {InstanceSpec, ProjectConfig} from '../config/types.js'
import {GalleyError, RunFailedError} from '../errors.js'
import {StateStore} from '../lifecycle/state.js'
import {runSession} from './session.js'

export async function ensureCreated(config: ProjectConfig, specs: InstanceSpec[]): Promise<Map<string, ContainerHandle>> {
  const store = new StateStore(config.root)
  const missing = specs.filter((s) => {
    const st = store.read(s.name)
    return !st?.handle || st.state === 'creating'
  })
  if (missing.length > 0) {
    const {code} = await runSession(config, missing, 'create', {concurrency: 4, quiet: true})
    if (code !== 0) throw new RunFailedError('could not create the instance(s); see above', code, {hint: 'Fix the cause shown above, then try again.'})
  }
  const out = new Map<string, ContainerHandle>()
  for (const s of specs) {
    const handle = store.read(s.name)?.handle
    if (!handle) throw new GalleyError(`instance ${s.name} has no container`)
    out.set(s.name, handle)
  }
  return out
}
