// Counts the modules a galley command loads, by package, and says which of the heavy ones it loaded.
// Usage: node --import ./bench/load-count.mjs bin/run.js --version   (the counts go to stderr at exit;
// LOAD_COUNT_ALL=1 prints the count of every package too)
import Module, {register} from 'node:module'
import {MessageChannel} from 'node:worker_threads'

const {port1, port2} = new MessageChannel()
const seen = new Set()
port1.on('message', (url) => seen.add(url))
port1.unref()
register('./load-count-resolve.mjs', {parentURL: import.meta.url, data: {port: port2}, transferList: [port2]})
// CommonJS modules that CommonJS requires: the ESM hook does not see those.
const load = Module._load
Module._load = function (request, parent, isMain) {
  const exports = load.apply(this, arguments)
  try {
    const file = Module._resolveFilename(request, parent, isMain)
    // Builtins resolve to their names (node:path), files to absolute paths.
    if (file.startsWith('/')) seen.add(`file://${file}`)
  } catch {
    // Not resolvable on its own: nothing to count.
  }
  return exports
}

process.on('exit', () => {
  const byPackage = {}
  for (const url of seen) {
    if (!url.startsWith('file:') || url.includes('/bench/load-count')) continue
    const m = url.match(/node_modules\/((@[^/]+\/)?[^/]+)/)
    const key = m ? m[1] : 'galley'
    byPackage[key] = (byPackage[key] ?? 0) + 1
  }
  const heavy = ['yaml', 'dockerode', 'koffi', 'junit-report-builder', 'fast-xml-parser', 'tar', 'ssh2', '@grpc/grpc-js'].filter((p) => byPackage[p])
  const total = Object.values(byPackage).reduce((a, b) => a + b, 0)
  if (process.env.LOAD_COUNT_ALL) process.stderr.write(JSON.stringify(byPackage) + "\n")
  process.stderr.write(`modules loaded: ${total} (galley ${byPackage.galley ?? 0}, @oclif/core ${byPackage['@oclif/core'] ?? 0}); heavy packages: ${heavy.join(', ') || 'none'}\n`)
})
