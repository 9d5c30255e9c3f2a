/**
 * Molecule's interpolation of molecule.yml, before it is read as YAML: `$NAME`, `${NAME}`,
 * `${NAME:-default}` and `${NAME-default}` from the environment, `$$` for a dollar sign. Galley
 * resolves them once, at import, with Molecule's own variables (MOLECULE_PROJECT_DIRECTORY ...)
 * standing for their places inside the instance, and says which value each one took.
 */

export interface Interpolated {
  name: string
  /** What it became. */
  value: string
  how: 'environment' | 'default' | 'molecule' | 'unset'
  line: number
  col: number
}

const PATTERN = /\$(?:(\$)|([_A-Za-z][_A-Za-z0-9]*)|\{([_A-Za-z][_A-Za-z0-9]*)(?:(:?-)([^}]*))?\})/g

/**
 * `text` with every placeholder replaced, and each replacement made. `molecule` holds Molecule's
 * own variables, which win over the environment (Molecule sets them itself).
 */
export function interpolate(text: string, env: NodeJS.ProcessEnv, molecule: Record<string, string>): {text: string; made: Interpolated[]} {
  const made: Interpolated[] = []
  const lineStarts = [0]
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1)
  const place = (offset: number) => {
    let line = lineStarts.length - 1
    while (lineStarts[line] > offset) line--
    return {line: line + 1, col: offset - lineStarts[line] + 1}
  }
  const out = text.replace(PATTERN, (_match, dollar: string | undefined, bare: string | undefined, braced: string | undefined, op: string | undefined, fallback: string | undefined, offset: number) => {
    if (dollar) return '$'
    const name = (bare ?? braced)!
    const set = env[name]
    let value: string
    let how: Interpolated['how']
    if (name in molecule) [value, how] = [molecule[name], 'molecule']
    else if (set !== undefined && !(op === ':-' && set === '')) [value, how] = [set, 'environment']
    else if (op !== undefined) [value, how] = [fallback ?? '', 'default']
    else [value, how] = ['', 'unset']
    // A value that would break the YAML around it (a newline) is kept on one line.
    value = value.replace(/\r?\n/g, ' ')
    made.push({name, value, how, ...place(offset)})
    return value
  })
  return {text: out, made}
}
