/**
 * The scenarios together as one galley.yml: platforms shared where they are the same (renamed
 * after their scenario where two differ under one name), one suite per scenario including its own
 * platforms, and each inventory variable at the level where it holds.
 */
import type {DriverName} from '../config/types.js'
import type {Raw} from '../import/tree.js'
import type {ScenarioOut} from './scenario.js'

const nonEmpty = (o: Raw): boolean => Object.keys(o).length > 0

/** The platform as galley.yml writes it, with what is its own of this scenario (inventory, env). */
function platformDef(scenario: ScenarioOut, index: number, hostVars: boolean): Raw {
  const p = scenario.platforms[index]
  const provisioner: Raw = {}
  if (hostVars && nonEmpty(scenario.vars.get(p.name) ?? {})) provisioner.inventory = scenario.vars.get(p.name)
  if (nonEmpty(p.env)) provisioner.env = p.env
  return {
    name: p.name,
    image: p.image,
    ...(p.init ? {init: p.init} : {}),
    ...(p.privileged ? {driver: {privileged: true}} : {}),
    ...(nonEmpty(provisioner) ? {provisioner} : {}),
    ...(nonEmpty(p.env) ? {verifier: {env: p.env}} : {}),
  }
}

export function buildConfig(scenarios: ScenarioOut[], driver?: DriverName): Raw {
  const platforms: Raw[] = []
  const suites: Raw[] = []
  const used = new Set<string>()
  for (const s of scenarios) {
    // Inventory variables are the ansible provisioner's: a scenario left without a playbook has none to give them to.
    const ansible = s.provisioner.name === 'ansible'
    const varsJson = ansible ? [...s.vars.values()].map((v) => JSON.stringify(v)) : []
    // The same variables for every platform of the scenario belong to the suite; otherwise to each platform.
    const shared = new Set(varsJson).size <= 1
    const names: string[] = []
    s.platforms.forEach((_, i) => {
      const def = platformDef(s, i, !shared)
      const same = platforms.find((q) => JSON.stringify(q) === JSON.stringify(def))
      if (same) return void names.push(String(same.name))
      let name = String(def.name)
      for (let n = 2; used.has(name); n++) name = n === 2 ? `${def.name}-${s.name}` : `${def.name}-${s.name}-${n}`
      used.add(name)
      platforms.push({...def, name})
      names.push(name)
    })
    const provisioner = {...s.provisioner}
    const inventory = shared && varsJson.length > 0 ? s.vars.get(s.platforms[0].name)! : {}
    if (nonEmpty(inventory)) provisioner.inventory = inventory
    suites.push({name: s.name, ...(nonEmpty(provisioner) ? {provisioner} : {}), ...(nonEmpty(s.verifier) ? {verifier: s.verifier} : {}), includes: names})
  }
  // A suite on every platform needs no includes.
  for (const suite of suites) if ((suite.includes as string[]).length === platforms.length) delete suite.includes
  const config: Raw = {}
  const engine = platforms.filter((p) => typeof p.image === 'string')
  if (driver) config.driver = {name: driver}
  else if (engine.length === platforms.length) config.driver = {name: 'docker'}
  // Built platforms run on any engine; those that name an engine image, on Docker or Podman only.
  else for (const p of engine) p.driver = {name: 'docker', ...(p.driver as Raw | undefined)}
  // The provisioner's name, said once when every suite uses it.
  if (suites.length > 0 && suites.every((s) => (s.provisioner as Raw | undefined)?.name === 'ansible')) {
    config.provisioner = {name: 'ansible'}
    for (const s of suites) {
      const rest = {...(s.provisioner as Raw)}
      delete rest.name
      if (nonEmpty(rest)) s.provisioner = rest
      else delete s.provisioner
    }
  }
  return {...config, platforms, suites}
}
