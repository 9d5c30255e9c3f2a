// Bundles the commands the CLI runs (dist/bundle/commands, which oclif's manifest names) from tsc's
// output in dist/src: resolving and reading some 150 small modules of Galley's and 80 of yaml's was
// a tenth of a trivial run's time. What a command imports lazily stays lazy, in shared chunks. tsc's output stays beside it for the unit tests.
// Source maps lead back to the TypeScript: bin/run.js turns them on under --debug.
import {build} from 'esbuild'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const EXTERNAL = ['@oclif/core', 'dockerode', 'koffi', 'junit-report-builder', 'tar']

const root = fileURLToPath(new URL('..', import.meta.url))
const commands = path.join(root, 'dist/src/commands')

/** Every command module under dist/src/commands (topics are folders). */
function entries(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => {
    const file = path.join(dir, e.name)
    if (e.isDirectory()) return entries(file)
    return e.name.endsWith('.js') ? [file] : []
  })
}

await build({
  entryPoints: entries(commands),
  outbase: path.join(root, 'dist/src'),
  outdir: path.join(root, 'dist/bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // yaml (72 modules) and fast-xml-parser (12) go into the chunks; these stay in node_modules: oclif
  // loads the commands itself, koffi carries a native library, and the rest load only when used.
  external: EXTERNAL.flatMap((p) => [p, `${p}/*`]),
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS bundled into an ES module requires Node's own modules (yaml requires 'process'): give
  // each file a require of its own for that.
  banner: {js: "import {createRequire as __galleyCreateRequire} from 'node:module'; const require = __galleyCreateRequire(import.meta.url);"},
  sourcemap: true,
  // Class and function names as written, for stack traces and messages that show them.
  keepNames: true,
  logLevel: 'warning',
})
