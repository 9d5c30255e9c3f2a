/**
 * The role under test and the step cache: a converge step's key covers every file its playbook
 * reaches (the role's tasks, included task files, handlers, templates, vars, defaults, files, and
 * a meta dependency's files), so editing any of them reruns the step; a stale cache hit would
 * leave the edit unapplied. And the key covers only those: editing a file converge does not reach
 * (the scenario's verify.yml) leaves it cached. A `roles/<name> -> ..` link, as Molecule users
 * make it, never loops.
 */
import {appendFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import type {InstanceResult} from '../../src/model.js'
import {dummyRun, endRun, instancesOf} from '../fakes/lifecycle.js'
import {AnsibleDriver} from './ansible-driver.js'
import {inCopy, loadImported} from './import-project.js'
import {importMolecule} from '../../src/molecule/index.js'

/** galley converge twice on a dummy engine in `root` (its galley.yml), with `edit` between; the second run's steps. */
async function rerunAfter(root: string, edit: () => void): Promise<{first: InstanceResult; second: InstanceResult}> {
  const run = dummyRun(new AnsibleDriver())
  try {
    const go = async () => {
      const [spec] = loadConfig({cwd: root}).instances
      const [r] = await runInstances(instancesOf({...run, root}, [spec]), 'converge', {concurrency: 1, signal: run.controller.signal, events: run.events})
      return r
    }
    const first = await go()
    edit()
    return {first, second: await go()}
  } finally {
    endRun(run)
  }
}

const cachedOf = (r: InstanceResult) => r.steps.map((s) => `${s.name}${s.cached ? ' (cached)' : ''}`)

const Motd = suite('the step cache covers the role under test')

const MOTD_FILES: [string, string][] = [
  ['role task', 'tasks/main.yml'],
  ['included task file', 'tasks/extra.yml'],
  ['handler', 'handlers/main.yml'],
  ['template', 'templates/motd.j2'],
  ['vars', 'vars/main.yml'],
  ['defaults', 'defaults/main.yml'],
  ['files', 'files/banner.txt'],
  ['meta', 'meta/main.yml'],
]

for (const [kind, file] of MOTD_FILES) {
  Motd(`editing the role's ${kind} (${file}) reruns converge; the install step stays cached`, async () => {
    await inCopy('motd', {}, async (root) => {
      loadImported(importMolecule({target: root, bootstrap: true}), root)
      const {first, second} = await rerunAfter(root, () => appendFileSync(path.join(root, file), '\n# edited\n'))
      assert.is(first.status, 'passed', first.message)
      assert.is(second.status, 'passed', second.message)
      assert.equal(cachedOf(second), ['install ansible-core (cached)', 'molecule/default/converge.yml'])
    })
  })
}

Motd('with nothing edited, the second run is all cached, through the roles/motd -> .. link', async () => {
  await inCopy('motd', {}, async (root) => {
    loadImported(importMolecule({target: root, bootstrap: true}), root)
    const {second} = await rerunAfter(root, () => undefined)
    assert.equal(cachedOf(second), ['install ansible-core (cached)', 'molecule/default/converge.yml (cached)'])
  })
})

Motd('editing a file beside converge.yml that is not a playbook (a src: may name it) reruns converge', async () => {
  await inCopy('motd', {'molecule/default/extra.conf': 'a = 1\n'}, async (root) => {
    loadImported(importMolecule({target: root, bootstrap: true}), root)
    const {second} = await rerunAfter(root, () => appendFileSync(path.join(root, 'molecule/default/extra.conf'), 'b = 2\n'))
    assert.equal(cachedOf(second), ['install ansible-core (cached)', 'molecule/default/converge.yml'])
  })
})

const UNREACHED: [string, string][] = [
  ['the verify playbook beside converge.yml', 'molecule/default/verify.yml'],
  ['a playbook of another scenario', 'molecule/other/converge.yml'],
  ['a testinfra file of the scenario', 'molecule/default/tests/test_default.py'],
  ['a role converge.yml does not name', 'roles/other/tasks/main.yml'],
]

for (const [kind, file] of UNREACHED) {
  Motd(`editing ${kind} (${file}), which converge.yml does not reach, leaves converge cached`, async () => {
    const files = {'molecule/other/converge.yml': '- hosts: all\n  tasks: []\n', 'molecule/default/tests/test_default.py': 'def test_x(host):\n    pass\n', 'roles/other/tasks/main.yml': '- ansible.builtin.debug: {}\n'}
    await inCopy('motd', files, async (root) => {
      loadImported(importMolecule({target: root, bootstrap: true}), root)
      const {second} = await rerunAfter(root, () => appendFileSync(path.join(root, file), '\n# edited\n'))
      assert.equal(cachedOf(second), ['install ansible-core (cached)', 'molecule/default/converge.yml (cached)'])
    })
  })
}

Motd('a meta dependency\'s files, on the roles path from the env, are covered too', async () => {
  const galley = 'provisioner: {name: ansible, playbook: molecule/default/converge.yml, roles_path: roles}\nplatforms: [{name: p, image: {bootstrap: debootstrap}}]\nsuites: [{name: default}]\n'
  await inCopy('nginx', {'galley.yml': galley}, async (root) => {
    const {second} = await rerunAfter(root, () => writeFileSync(path.join(root, 'roles/common/files/marker'), 'edited\n'))
    assert.equal(cachedOf(second), ['install ansible-core (cached)', 'install molecule/default/requirements.yml (cached)', 'molecule/default/converge.yml'])
  })
})

Motd.run()
