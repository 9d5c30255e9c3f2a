/**
 * The cookbooks a run list needs, checked before anything runs: each recipe's cookbook and what its
 * metadata.rb depends on must be in cookbooks_path. When one is missing and the project resolves
 * its cookbooks with Berkshelf or a Policyfile, the message says what to run on the workstation.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

export interface MissingCookbook {
  name: string
  /** `the run list`, or `cookbooks/app/metadata.rb:3`. */
  by: string
}

/** A cookbook's name (metadata.rb `name`, else its folder) and the cookbooks it depends on, with lines. */
function readCookbook(dir: string): {name: string; depends: {name: string; line: number}[]} {
  const file = path.join(dir, 'metadata.rb')
  const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const name = /^\s*name\s+['"]([^'"]+)['"]/m.exec(text)?.[1] ?? path.basename(dir)
  const depends = text.split('\n').flatMap((line, i) => {
    const m = /^\s*depends\s*\(?\s*['"]([^'"]+)['"]/.exec(line)
    return m ? [{name: m[1], line: i + 1}] : []
  })
  return {name, depends}
}

/** Cookbooks the run list needs (recipes' cookbooks and their metadata.rb dependencies) that no cookbooks_path folder has. */
export function missingCookbooks(root: string, cookbooksPath: string[], runList: string[]): MissingCookbook[] {
  const found = new Map<string, string>()
  for (const folder of cookbooksPath) {
    const abs = path.join(root, folder)
    for (const e of existsSync(abs) ? readdirSync(abs, {withFileTypes: true}) : []) {
      if (!e.isDirectory()) continue
      const cookbook = readCookbook(path.join(abs, e.name))
      found.set(e.name, path.join(folder, e.name))
      if (!found.has(cookbook.name)) found.set(cookbook.name, path.join(folder, e.name))
    }
  }
  const missing: MissingCookbook[] = []
  const seen = new Set<string>()
  const need = (name: string, by: string) => {
    if (seen.has(name)) return
    seen.add(name)
    const dir = found.get(name)
    if (!dir) return void missing.push({name, by})
    for (const dep of readCookbook(path.join(root, dir)).depends) need(dep.name, `${path.join(dir, 'metadata.rb')}:${dep.line}`)
  }
  for (const entry of runList) {
    const recipe = /^recipe\[(.+)\]$/.exec(entry)?.[1] ?? (entry.startsWith('role[') ? undefined : entry)
    if (recipe) need(recipe.split('::')[0], 'the run list')
  }
  return missing
}

/** What to run on the workstation to vendor the cookbooks, when the project resolves them with Berkshelf or a Policyfile. */
export function vendorHint(root: string, into: string): string | undefined {
  if (existsSync(path.join(root, 'Berksfile'))) return `This project resolves its cookbooks with Berkshelf: run \`berks vendor ${into}\` on your workstation first.`
  if (existsSync(path.join(root, 'Policyfile.rb'))) {
    return `This project resolves its cookbooks with a Policyfile: vendor them on your workstation first (\`chef install\`, then \`chef export Policyfile.rb <folder>\` and copy the cookbooks into ${into}), or keep a Berksfile and run \`berks vendor ${into}\`.`
  }
  return undefined
}
