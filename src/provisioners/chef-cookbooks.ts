/**
 * The cookbooks a run list needs, checked before anything runs: each recipe's cookbook and what its
 * metadata.rb depends on must be in a cookbooks_path folder (a cookbook there may be a link, as
 * chef-solo follows them), or be the project itself: a project with metadata.rb at its root (as
 * Test Kitchen's Policyfile `path: '.'` and Berksfile `metadata` mean) is on the cookbook path under
 * its name. When one is missing, the message says what to put where, and how a workstation vendors
 * them when the project resolves its cookbooks with Berkshelf or a Policyfile.
 */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
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
  const name = /^\s*name\s+['"]([^'"]+)['"]/m.exec(text)?.[1] ?? path.basename(path.resolve(dir))
  const depends = text.split('\n').flatMap((line, i) => {
    const m = /^\s*depends\s*\(?\s*['"]([^'"]+)['"]/.exec(line)
    return m ? [{name: m[1], line: i + 1}] : []
  })
  return {name, depends}
}

/** A cookbook name that is a plain folder name (no `/`, not `.` or `..`). */
const COOKBOOK_NAME = /^\w[\w.-]*$/

/** Whether a path is a folder, through links; a link loop (ELOOP) or an unreadable entry is none. */
const isDir = (p: string): boolean => {
  try {
    return statSync(p, {throwIfNoEntry: false})?.isDirectory() ?? false
  } catch {
    return false
  }
}

/** The cookbooks of the cookbooks_path folders, by folder and by metadata name, each to its project path; links are followed. */
function cookbooksIn(root: string, cookbooksPath: string[]): Map<string, string> {
  const found = new Map<string, string>()
  for (const folder of cookbooksPath) {
    const abs = path.join(root, folder)
    for (const name of isDir(abs) ? readdirSync(abs).sort() : []) {
      if (!isDir(path.join(abs, name))) continue
      const cookbook = readCookbook(path.join(abs, name))
      found.set(name, path.join(folder, name))
      if (!found.has(cookbook.name)) found.set(cookbook.name, path.join(folder, name))
    }
  }
  return found
}

/**
 * The name the project is known by as a cookbook (metadata.rb at its root) when it goes on the
 * cookbook path by itself: none when it is no cookbook, or when a cookbooks_path folder already has
 * a cookbook of that name (chef-solo refuses one cookbook in two folders).
 */
export function projectCookbook(root: string, cookbooksPath: string[]): string | undefined {
  if (!existsSync(path.join(root, 'metadata.rb'))) return undefined
  const {name} = readCookbook(root)
  // The name becomes a folder in the instance: one that is no plain cookbook name is not trusted.
  if (!COOKBOOK_NAME.test(name)) return undefined
  return cookbooksIn(root, cookbooksPath).has(name) ? undefined : name
}

/** Cookbooks the run list needs (recipes' cookbooks and their metadata.rb dependencies) that neither a cookbooks_path folder nor the project is. */
export function missingCookbooks(root: string, cookbooksPath: string[], runList: string[]): MissingCookbook[] {
  const found = cookbooksIn(root, cookbooksPath)
  const own = projectCookbook(root, cookbooksPath)
  if (own !== undefined) found.set(own, '.')
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

/**
 * What to do about missing cookbooks (`name`, or all of them when none is given): where to put
 * them, and how a workstation makes that folder (Berkshelf, or a Policyfile's export).
 */
export function cookbooksHint(root: string, cookbooksPath: string[] | undefined, name?: string): string {
  const listed = (cookbooksPath ?? ['cookbooks']).includes('cookbooks')
  const where = name ? `Put it in cookbooks/${name}/ (a copy or a link)` : 'Put the cookbooks the run list needs in cookbooks/ (one folder each, a copy or a link), or set cookbooks_path: to the folders holding them'
  const vendor = existsSync(path.join(root, 'Policyfile.rb'))
    ? 'On a workstation, `chef install` and `chef export Policyfile.rb <folder>` give the cookbooks to copy there.'
    : `On a workstation, \`berks vendor cookbooks\` makes that folder from ${existsSync(path.join(root, 'Berksfile')) ? 'the' : 'a'} Berksfile.`
  return `${where}${listed ? '' : ' and add cookbooks to cookbooks_path'}. ${vendor}`
}
