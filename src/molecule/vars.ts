/** Variables of an inventory folder (group_vars/, host_vars/): `<name>.yml` files and `<name>/` folders of them, as Ansible reads them. */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {parse} from 'yaml'
import {isObject, type Raw} from '../import/tree.js'

const MAX_BYTES = 1 << 20

function readVarsFile(file: string): Raw {
  try {
    if (statSync(file).size > MAX_BYTES) return {}
    const vars = parse(readFileSync(file, 'utf8'), {maxAliasCount: 100}) as unknown
    return isObject(vars) ? vars : {}
  } catch {
    return {}
  }
}

/** Each name's variables in `dir`; nothing when it is missing. */
export function readVarsFolder(dir: string): Map<string, Raw> {
  const out = new Map<string, Raw>()
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch {
    return out
  }
  for (const entry of names) {
    const full = path.join(dir, entry)
    const st = statSync(full, {throwIfNoEntry: false})
    if (st?.isDirectory()) {
      const files = readdirSync(full).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()
      out.set(entry, Object.assign({}, ...files.map((f) => readVarsFile(path.join(full, f)))))
    } else if (st?.isFile() && /^[^.].*?(\.ya?ml|\.json)?$/.test(entry)) {
      out.set(entry.replace(/\.(ya?ml|json)$/, ''), readVarsFile(full))
    }
  }
  return out
}
