/**
 * Moving finished folders into the store and removing them while other runs use it: a complete
 * folder another run put in place first is kept, a half-removed one is replaced, and a removal never
 * leaves a folder that looks complete.
 */
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {moveIntoPlace, removeAside} from '../../src/images/store.js'
import {makeProject, removeProject} from '../fakes/project.js'

const Moves = suite('store: moving into place and removing aside')

function folder(root: string, name: string, files: Record<string, string>): string {
  const dir = path.join(root, name)
  mkdirSync(dir, {recursive: true})
  for (const [f, content] of Object.entries(files)) writeFileSync(path.join(dir, f), content)
  return dir
}

Moves('a complete folder already in place is kept; ours is not needed', async () => {
  const root = makeProject({})
  try {
    const final = folder(root, 'img', {'image.json': 'theirs'})
    const tmp = folder(root, '.tmp-img-1-2', {'image.json': 'ours'})
    assert.is(await moveIntoPlace(tmp, final, () => existsSync(path.join(final, 'image.json'))), false)
    assert.equal(readdirSync(final), ['image.json'])
  } finally {
    removeProject(root)
  }
})

Moves('a folder a removal cut short (no record in it) is set aside and replaced', async () => {
  const root = makeProject({})
  try {
    const final = folder(root, 'img', {stale: 'left by a removal'})
    const tmp = folder(root, '.tmp-img-1-2', {'image.json': 'ours'})
    assert.is(await moveIntoPlace(tmp, final, () => existsSync(path.join(final, 'image.json'))), true)
    assert.equal(readdirSync(final), ['image.json'])
    assert.equal(readdirSync(root), ['img'], 'nothing set aside is left')
  } finally {
    removeProject(root)
  }
})

Moves('removeAside removes the folder and what it set aside; a folder already gone is no error', async () => {
  const root = makeProject({})
  try {
    const dir = folder(root, 'layer', {'layer.json': '{}'})
    await removeAside(dir)
    assert.equal(readdirSync(root), [])
    await removeAside(dir)
  } finally {
    removeProject(root)
  }
})

Moves.run()
