import {Flags} from '@oclif/core'
import path from 'node:path'
import {concurrencyFlag, htmlFlag, jsonFlag, noCacheFlag, tapFlag, timeoutFlag, verboseFlag} from '../cli/action.js'
import {GalleyCommand} from '../cli/base.js'
import {selectInstances} from '../cli/select.js'
import {promotionRef, runSession} from '../cli/session.js'
import {UsageError} from '../errors.js'

const resolve = (file: string | undefined) => (file ? path.resolve(file) : undefined)

export default class Test extends GalleyCommand {
  static summary = 'Test instances: destroy, create, converge, verify, then destroy per --destroy; writes JUnit.'
  static usage = 'test [INSTANCE|REGEX]...'
  static strict = false
  static examples = ['<%= config.bin %> test', '<%= config.bin %> test --concurrency 8 --junit report.xml', '<%= config.bin %> test web --destroy always --fail-fast']
  static flags = {
    concurrency: concurrencyFlag,
    destroy: Flags.option({options: ['passing', 'always', 'never'] as const, default: 'passing', summary: 'When to destroy an instance after its test.'})(),
    'fail-fast': Flags.boolean({summary: 'Start no new instance after the first one fails.'}),
    idempotence: Flags.boolean({summary: 'Converge each instance a second time and fail it when that changes anything.'}),
    junit: Flags.string({summary: 'Where to write the JUnit report (default: .galley/junit.xml).'}),
    tap: tapFlag,
    json: jsonFlag,
    html: htmlFlag,
    'no-cache': noCacheFlag,
    durations: Flags.string({summary: 'With --shard: balance by the durations in this file (a JUnit report of an earlier run, or JSON); default .galley/durations.json.', helpValue: 'FILE', dependsOn: ['shard']}),
    shard: Flags.string({summary: 'Run shard I of N of the instances (I/N): N CI jobs with 1/N … N/N cover each instance once.', helpValue: 'I/N'}),
    promote: Flags.string({summary: 'Promote every passing instance, before it is destroyed, to NAME/<instance>:latest (or a name with {instance} in it).'}),
    push: Flags.boolean({summary: 'With --promote: push each image to the registry its name holds (host[:port]/…).', dependsOn: ['promote']}),
    verbose: verboseFlag,
    watch: Flags.boolean({summary: 'Keep the instances and watch the files their steps and tests read; on a change converge (from the step cache) and verify the instances it touches again. Ctrl-C stops and destroys them unless --destroy never.', exclusive: ['shard', 'promote', 'fail-fast']}),
    timeout: timeoutFlag,
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Test)
    // Loaded while the instances run: only its end needs it (and --shard its start).
    const sharding = import('../lifecycle/shard.js')
    if (flags.promote) {
      const {IMAGE_NAME} = await import('../lifecycle/promote.js')
      if (!IMAGE_NAME.test(promotionRef(flags.promote, 'x'))) {
        throw new UsageError(`--promote \`${flags.promote}\` does not make image names (lower-case NAME, optional :TAG)`, {hint: 'For example: --promote myorg, or --promote "myorg/{instance}:1.0"'})
      }
      if (flags.push) (await import('../images/registry.js')).parseRegistryRef(promotionRef(flags.promote, 'x'))
    }
    if (flags.watch) await this.watch('test', flags, argv as string[])
    const config = await this.project(flags)
    let specs = selectInstances(config.instances, argv as string[])
    if (flags.shard) {
      const {parseShard, readDurations, shardOf} = await sharding
      const shard = parseShard(flags.shard)
      const all = specs.length
      specs = shardOf(specs, shard, readDurations(config.root, flags.durations))
      this.log(`shard ${shard.index}/${shard.count}: ${specs.length} of ${all} instances${specs.length ? `: ${specs.map((s) => s.name).join(', ')}` : ''}`)
    }
    const junit = flags.junit ? path.resolve(flags.junit) : path.join(config.root, '.galley', 'junit.xml')
    const {code, results} = await runSession(config, specs, 'test', {concurrency: flags.concurrency, failFast: flags['fail-fast'], destroy: flags.destroy, junit, tap: resolve(flags.tap), json: resolve(flags.json), html: resolve(flags.html), verbose: flags.verbose, noCache: flags['no-cache'], timeoutMs: flags.timeout, promote: flags.promote, push: flags.push, idempotence: flags.idempotence})
    // How long each instance took, so later sharded runs can balance by it. Shards record nothing:
    // every shard of a pipeline must see the same figures.
    if (!flags.shard) (await sharding).recordDurations(config.root, Object.fromEntries(results.filter((r) => r.status === 'passed' || r.status === 'failed').map((r) => [r.instance, Math.round(r.durationMs)])))
    if (code !== 0) this.exit(code)
  }
}
