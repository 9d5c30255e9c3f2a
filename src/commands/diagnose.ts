import {Flags} from '@oclif/core'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {stringify} from 'yaml'
import {getDriver} from '../../drivers/index.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {formatTable} from '../cli/table.js'
import {describeImage, type InstanceSpec} from '../config/types.js'
import {Masker} from '../lifecycle/mask.js'

/** The suite × platform grid: the instance name where the pair runs, `-` where includes/excludes leave it out. */
export function matrix(suites: string[], platforms: string[], instances: InstanceSpec[]): string[][] {
  const names = new Set(instances.map((i) => i.name))
  return [['suite \\ platform', ...platforms], ...suites.map((s) => [s, ...platforms.map((p) => (names.has(`${s}-${p}`) ? `${s}-${p}` : '-'))])]
}

export default class Diagnose extends GalleyCommand {
  static summary = 'Print the merged configuration and the instance matrix: each instance as Galley will run it.'
  static description =
    'Shows which files were read, the suite × platform matrix after includes and excludes, and for each instance its image, init (none or systemd), driver (and what auto picks here), limits, steps and tests with their environment, after galley.local.yml and the platform and suite settings are merged.'
  static usage = 'diagnose [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> diagnose', '<%= config.bin %> diagnose web --json']
  static flags = {json: Flags.boolean({summary: 'Print JSON.'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Diagnose)
    const config = await this.project(flags)
    const specs = selectInstances(config.instances, argv as string[])
    const local = path.join(path.dirname(config.file), 'galley.local.yml')
    let auto: string | undefined
    if (specs.some((s) => s.driver.name === 'auto')) {
      try {
        auto = (await getDriver('auto')).name
      } catch (error) {
        auto = `none usable (${(error as Error).message})`
      }
    }
    const doc = {
      project: config.root,
      files: [config.file, ...(existsSync(local) ? [local] : [])],
      platforms: config.platforms,
      suites: config.suites,
      instances: specs.map((s) => ({
        name: s.name,
        suite: s.suite,
        platform: s.platform.name,
        image: describeImage(s.platform.image),
        imageSpec: s.platform.image,
        // PID 1: none (a keep-alive loop) or systemd (the image's, booted before converge).
        init: s.platform.init,
        driver: s.driver.name === 'auto' ? {...s.driver, picks: auto} : s.driver,
        // Each tool's and verifier's settings beside the shared ones, as galley.yml groups them.
        provisioner: {name: s.provisioner.name, steps: s.provisioner.steps, env: s.provisioner.env, idempotence: s.provisioner.idempotence, ...(s.provisioner.options as object)},
        verifier: {name: s.verifier.name, tests: s.verifier.tests, ...s.verifier.sections, env: s.verifier.env},
      })),
    }
    // Secret values are shown masked, as everywhere else.
    const masker = new Masker(config.secrets ?? [])
    const maskEnv = (value: unknown): unknown =>
      typeof value === 'string' ? masker.mask(value) : Array.isArray(value) ? value.map(maskEnv) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskEnv(v)])) : value
    doc.instances = doc.instances.map((i) => maskEnv(i) as (typeof doc.instances)[number])
    if (flags.json) {
      this.log(JSON.stringify(doc, null, 2))
      return
    }
    this.log(`# project ${doc.project}\n# files: ${doc.files.join(', ')}\n`)
    const [head, ...rows] = matrix(config.suites, config.platforms, config.instances)
    for (const line of formatTable(head, rows)) this.log(line)
    this.log('')
    this.log(stringify({instances: doc.instances}, {lineWidth: 0}).trimEnd())
  }
}
