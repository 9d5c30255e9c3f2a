#!/usr/bin/env node
// CommonJS on purpose (see bin/package.json): liblxc's start and attach each block a thread of
// libuv's pool while they run, one per running instance, and file reads need free threads beside
// them. The pool is sized on its first use, and loading an ES module entry point already uses it; a
// CommonJS entry runs these lines first. It is sized for the concurrency asked for (default 4), not
// for the most there could be: every thread is moved along each time liblxc moves this process
// between cgroups, and is copied by each fork, so 128 idle threads cost about a third of the system
// time of a run. (With fewer threads than instances, the LXC driver queues its calls: no stall.)
const path = require('node:path')

const root = path.resolve(__dirname, '..')
const argv = process.argv.slice(2)

/** --concurrency N, --concurrency=N, -j N or -jN; the commands' default (4) otherwise. */
function concurrencyArg(args) {
  for (let i = 0; i < args.length; i++) {
    const m = /^(?:--concurrency=|-j)(\d+)$/.exec(args[i])
    if (m) return Number(m[1])
    if ((args[i] === '--concurrency' || args[i] === '-j') && /^\d+$/.test(args[i + 1] ?? '')) return Number(args[i + 1])
  }
  return 4
}
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(Math.max(concurrencyArg(argv), 1), 100) + 4)

if (argv[0] === '--version') {
  // What oclif prints for --version, without loading oclif (about half of the start-up time).
  const os = require('node:os')
  const {name, version} = require(path.join(root, 'package.json'))
  const platform = os.platform() === 'linux' && /microsoft/i.test(os.release()) ? 'wsl' : os.platform()
  process.stdout.write(`${name}/${version} ${platform}-${os.arch()} node-${process.version}\n`)
} else {
  // The commands are bundled (scripts/bundle.js); with --debug, stack traces name the TypeScript.
  if (argv.includes('--debug')) process.setSourceMapsEnabled(true)
  // oclif checks the Node version with semver (47 modules) when it loads; the same check, here.
  if (Number(process.versions.node.split('.')[0]) < 20) process.emitWarning(`Node version must be >=20 to use this CLI. Current node version: ${process.versions.node}`)
  const skipCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING
  process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
  // require, not import(): a CommonJS package imported from here is parsed a second time for its exports.
  const {execute} = require('@oclif/core')
  if (skipCheck === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = skipCheck
  execute({loadOptions: {root}})
}
