/**
 * Molecule's dependency step: the galaxy requirements files (roles and collections) become the
 * ansible provisioner's `requirements:`, installed in the instance before converge; a shell
 * dependency runs on the machine Molecule runs on and is reported.
 */
import path from 'node:path'
import type {Section} from './context.js'
import type {Scenario} from './provisioner.js'

/** Each option's default, in the scenario folder; a value written in molecule.yml is read from the project folder, where Molecule runs. */
const DEFAULTS: Record<string, string> = {'role-file': 'requirements.yml', 'requirements-file': 'collections.yml'}

/** The requirements files, as galley.yml names them; `runs` is whether test_sequence has the dependency action. */
export function mapDependency(s: Scenario, d: Section | undefined, runs: boolean): string[] {
  const name = d?.str('name') ?? 'galaxy'
  const enabled = d?.bool('enabled') ?? true
  if (!runs || !enabled) {
    d?.leftovers({}, 'not imported: the dependency step does not run')
    return []
  }
  if (name !== 'galaxy') {
    if (d) s.imp.report('unmapped', d.at(name === 'shell' ? 'command' : 'name'), d.key(name === 'shell' ? 'command' : 'name'), `Molecule runs the ${name} dependency on its own machine; Galley has no host-side steps: run it yourself, or list the requirements in a galaxy file`)
    d?.take('command')
    d?.leftovers({}, 'not imported')
    return []
  }
  const options = d?.section('options')
  const files: string[] = []
  for (const [option, fallback] of Object.entries(DEFAULTS)) {
    const written = options?.str(option)
    const file = written === undefined ? path.resolve(s.dir, fallback) : path.resolve(s.imp.root, written)
    if (!s.imp.exists(file)) {
      if (written) s.imp.report('unmapped', options!.at(option), options!.key(option), `\`${written}\` does not exist in the project folder, where Molecule reads it from (it skips a missing file too)`)
      continue
    }
    const at = written ? options!.at(option) : {file: path.relative(process.cwd(), file) || file, line: 1, col: 1}
    const rel = s.imp.relPath(file, at, written ? options!.key(option) : 'dependency')
    if (rel && !files.includes(rel)) files.push(rel)
  }
  options?.leftovers({}, 'an ansible-galaxy option Galley does not pass; it installs the requirements files as they are')
  d?.leftovers({env: "ansible-galaxy's environment: Galley installs requirements with the provisioner's env"}, 'a dependency setting Galley has no place for')
  return files
}
