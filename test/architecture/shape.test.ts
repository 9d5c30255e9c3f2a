/**
 * The tree's shape, checked: no module imports itself back at run time, the layers point one way
 * (drivers below the lifecycle, reporters beside the plugins), and no source file outgrows one
 * concern. Runtime imports are read from the compiled JavaScript (type-only imports are gone
 * there); layer rules are read from the TypeScript, types included.
 */
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'

const dist = fileURLToPath(new URL('../..', import.meta.url))
const repo = path.resolve(dist, '..')
const MAX_LINES = 450

function filesUnder(root: string, dir: string, ext: string): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(root, rel), {withFileTypes: true})) {
      const child = path.join(rel, e.name)
      if (e.isDirectory()) walk(child)
      else if (e.name.endsWith(ext)) out.push(child)
    }
  }
  walk(dir)
  return out.sort()
}

/** The relative modules a file imports: static ones, or every one (type-only and dynamic too). */
function importsOf(root: string, file: string, which: 'static' | 'all'): string[] {
  const text = readFileSync(path.join(root, file), 'utf8')
  const specifiers = [...text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm)]
    .filter((m) => which === 'all' || !m[2])
    .map((m) => m[3])
  if (which === 'all') specifiers.push(...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]))
  return specifiers.filter((s) => s.startsWith('.')).map((s) => path.normalize(path.join(path.dirname(file), s)).replace(/\.js$/, path.extname(file)))
}

/** Every cycle of a graph (module → modules it imports), each as the sorted list of its members. */
function findCycles(edges: Map<string, string[]>): string[][] {
  // Tarjan's strongly connected components: a component of more than one module is a cycle.
  let index = 0
  const stack: string[] = []
  const meta = new Map<string, {index: number; low: number; onStack: boolean}>()
  const found: string[][] = []
  const visit = (v: string) => {
    meta.set(v, {index, low: index, onStack: true})
    index++
    stack.push(v)
    for (const w of edges.get(v) ?? []) {
      if (!meta.has(w)) {
        visit(w)
        meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.low)
      } else if (meta.get(w)!.onStack) meta.get(v)!.low = Math.min(meta.get(v)!.low, meta.get(w)!.index)
    }
    if (meta.get(v)!.low === meta.get(v)!.index) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop()!
        meta.get(w)!.onStack = false
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || (edges.get(v) ?? []).includes(v)) found.push(component.sort())
    }
  }
  for (const f of edges.keys()) if (!meta.has(f)) visit(f)
  return found
}

/** The static imports among the compiled modules of src/ and drivers/. */
function runtimeImports(): Map<string, string[]> {
  const files = [...filesUnder(dist, 'src', '.js'), ...filesUnder(dist, 'drivers', '.js')]
  return new Map(files.map((f) => [f, importsOf(dist, f, 'static').filter((i) => files.includes(i))]))
}

const sources = () => [...filesUnder(repo, 'src', '.ts'), ...filesUnder(repo, 'drivers', '.ts')]

/** Files under `from` that import anything under one of `forbidden`, with what they import. */
function violations(from: string, forbidden: string[]): string[] {
  return sources()
    .filter((f) => f.startsWith(from))
    .flatMap((f) => importsOf(repo, f, 'all').filter((i) => forbidden.some((d) => i.startsWith(d))).map((i) => `${f} imports ${i}`))
}

const Shape = suite('architecture')

Shape('the cycle finder finds cycles, long and short, and nothing in a tree', () => {
  const graph = (pairs: [string, string[]][]) => new Map(pairs)
  assert.equal(findCycles(graph([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']])
  assert.equal(findCycles(graph([['a', ['a']]])), [['a']])
  assert.equal(findCycles(graph([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), [])
})

Shape('no runtime import cycle among the modules of src/ and drivers/', () => {
  const imports = runtimeImports()
  assert.ok([...imports.values()].some((i) => i.length > 0), 'the compiled tree has imports to follow')
  assert.equal(findCycles(imports), [])
})

Shape('drivers import nothing from the lifecycle, the CLI or the commands', () => {
  assert.equal(violations('drivers/', ['src/lifecycle/', 'src/cli/', 'src/commands/']), [])
})

Shape('reporters import neither provisioners nor verifiers: the plan travels with each result', () => {
  assert.equal(violations('src/reporters/', ['src/provisioners/', 'src/verifiers/']), [])
})

Shape('provisioners and verifiers sit below the lifecycle, the CLI and the reporters', () => {
  const above = ['src/lifecycle/', 'src/cli/', 'src/commands/', 'src/reporters/']
  assert.equal([...violations('src/provisioners/', above), ...violations('src/verifiers/', above)], [])
})

Shape('the vocabulary imports nothing that runs', () => {
  assert.equal(importsOf(dist, 'src/model.js', 'static'), [])
})

Shape(`no source file is over ${MAX_LINES} lines`, () => {
  const long = sources()
    .map((f) => [f, readFileSync(path.join(repo, f), 'utf8').split('\n').length] as const)
    .filter(([, n]) => n > MAX_LINES)
    .map(([f, n]) => `${f}: ${n} lines`)
  assert.equal(long, [])
})

Shape.run()
