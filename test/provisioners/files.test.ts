import {mkdirSync, symlinkSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {packDirectory} from '../../src/images/tar.js'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {projectFiles} from '../../src/provisioners/files.js'
import {makeProject, removeProject, fakeSpec} from '../fakes/project.js'
import type {ProvisionStep} from '../../src/provisioners/step.js'

const Walk = suite('project walks and symlink loops')

/** A role whose `roles/<name>` links back to the role, as Molecule users make it, and a link to itself. */
function loopingRole(): string {
  const root = makeProject({'tasks/main.yml': '- debug: msg=hi\n', 'templates/a.j2': 'a\n', 'molecule/default/converge.yml': '- hosts: all\n'})
  mkdirSync(path.join(root, 'roles'))
  symlinkSync('..', path.join(root, 'roles', 'myrole'))
  symlinkSync('self', path.join(root, 'self'))
  return root
}

Walk('a link back up (roles/<name> -> ..) is walked once, and a link to itself is skipped', () => {
  const root = loopingRole()
  try {
    assert.equal(projectFiles(root, '.'), ['molecule/default/converge.yml', 'tasks/main.yml', 'templates/a.j2'])
    assert.equal(projectFiles(root, 'roles'), ['roles/myrole/molecule/default/converge.yml', 'roles/myrole/tasks/main.yml', 'roles/myrole/templates/a.j2'])
  } finally {
    removeProject(root)
  }
})

Walk('a step key covering such a project is made, and changes with the role', () => {
  const root = loopingRole()
  try {
    const step: ProvisionStep = {kind: 'step', name: 's', argv: [], env: {}, expected: 0, cache: {env: {}, settings: {}, paths: ['.', 'roles']}}
    const [key] = stepKeys(fakeSpec('a-p', []), [step], 'base', root)
    assert.match(key, /^[0-9a-f]{32}$/)
  } finally {
    removeProject(root)
  }
})

Walk('the upload tar keeps links as links and does not follow them', async () => {
  const root = loopingRole()
  try {
    const chunks: Buffer[] = []
    for await (const chunk of packDirectory(root, {portable: true})) chunks.push(chunk as Buffer)
    const tar = Buffer.concat(chunks)
    // One header per entry: the link itself, never the role's files again beneath it.
    assert.ok(tar.includes('./roles/myrole'))
    assert.not.ok(tar.includes('./roles/myrole/tasks'))
  } finally {
    removeProject(root)
  }
})

Walk.run()
