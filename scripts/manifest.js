// Writes oclif.manifest.json so that `galley --version` and help need not import every command.
// (The oclif dev CLI does the same with far more dependencies.)
import {Plugin} from '@oclif/core'
import {writeFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true})
await plugin.load()
await writeFile(new URL('../oclif.manifest.json', import.meta.url), JSON.stringify(plugin.manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${Object.keys(plugin.manifest.commands).length} commands`)

// galley.yml's JSON Schema, shipped in schema/ for editors.
const {galleySchema} = await import('../dist/src/config/jsonschema.js')
const {mkdir} = await import('node:fs/promises')
await mkdir(new URL('../schema/', import.meta.url), {recursive: true})
await writeFile(new URL('../schema/galley.schema.json', import.meta.url), JSON.stringify(galleySchema(false), null, 2) + '\n')
await writeFile(new URL('../schema/galley.local.schema.json', import.meta.url), JSON.stringify(galleySchema(true), null, 2) + '\n')
console.log('schema/galley.schema.json written')
