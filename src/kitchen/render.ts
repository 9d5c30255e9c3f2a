/** galley.yml as the import writes it: what did not map and the notes as comments on top, then the YAML. */
import {stringify} from 'yaml'
import type {ImportItem} from './importer.js'
import type {Raw} from './mapper.js'

/** One report line: `kitchen.yml:12:5: transport.username — reason`. */
export function formatItem(item: ImportItem): string {
  return `${item.file}:${item.line}:${item.col}: ${item.key} — ${item.reason}`
}

export function render(config: Raw, files: string[], unmapped: ImportItem[], notes: ImportItem[]): string {
  const comment = (text: string) => text.split('\n').map((l) => `#   ${l}`).join('\n')
  let header = `# Imported from ${files.join(' and ')} by galley import. Check it, then run: galley test\n`
  if (unmapped.length > 0) header += `# Not imported (${unmapped.length}):\n${unmapped.map((i) => comment(formatItem(i))).join('\n')}\n`
  if (notes.length > 0) header += `# Notes (${notes.length}):\n${notes.map((i) => comment(formatItem(i))).join('\n')}\n`
  return header + '\n' + stringify(config, {lineWidth: 0, aliasDuplicateObjects: false})
}
