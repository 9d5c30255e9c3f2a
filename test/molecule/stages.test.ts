/**
 * Molecule's stages as the ansible provisioner runs them: prepare once before converge and outside
 * the idempotence pass, side effects after it, and the role under test on the roles path.
 */
import {mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceSpec} from '../../src/config/types.js'
import {runInstances} from '../../src/lifecycle/runner.js'
import {roleNames, roleUnderTest} from '../../src/provisioners/ansible/role-under-test.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {loadConfig} from '../../src/config/load.js'
import {configErrorsOf} from '../fakes/config.js'
import {dummyRun, endRun, instancesOf, type DummyRun} from '../fakes/lifecycle.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'
import {AnsibleDriver} from './ansible-driver.js'

const SCENARIO = {
  'tasks/main.yml': '- ansible.builtin.debug: {msg: hi}\n',
  'meta/main.yml': 'galaxy_info:\n  author: acme\n  role_name: web\n',
  'molecule/default/prepare.yml': '- hosts: all\n  tasks: []\n',
  'molecule/default/converge.yml': '- hosts: all\n  roles: [acme.web]\n',
  'molecule/default/side_effect.yml': '- hosts: all\n  tasks: []\n',
}

function moleculeSpec(idempotence: boolean): InstanceSpec {
  const spec = fakeSpec('default-p', [])
  const options = {playbooks: ['molecule/default/converge.yml'], prepare: ['molecule/default/prepare.yml'], sideEffects: ['molecule/default/side_effect.yml']}
  return {...spec, provisioner: {...spec.provisioner, name: 'ansible', idempotence, options}}
}

const Stages = suite<DummyRun & {driver: AnsibleDriver}>('prepare and side_effect playbooks')

Stages.before.each((ctx) => {
  Object.assign(ctx, dummyRun(new AnsibleDriver()))
  for (const [file, text] of Object.entries(SCENARIO)) {
    mkdirSync(path.dirname(path.join(ctx.root, file)), {recursive: true})
    writeFileSync(path.join(ctx.root, file), text)
  }
})
Stages.after.each((ctx) => endRun(ctx))

const run = (ctx: DummyRun, spec: InstanceSpec) => runInstances(instancesOf(ctx, [spec]), 'test', {concurrency: 1, signal: ctx.controller.signal, events: ctx.events, destroy: 'always'})

Stages('steps: install, prepare, converge, side effect; only converge is re-checked', (ctx) => {
  const steps = provisionSteps(moleculeSpec(true), ctx.root)
  assert.equal(steps.map((s) => s.name), ['install ansible-core', 'molecule/default/prepare.yml', 'molecule/default/converge.yml', 'molecule/default/side_effect.yml'])
  assert.equal(steps.map((s) => Boolean(s.recheck)), [false, false, true, false])
  assert.equal(steps.map((s) => Boolean(s.afterIdempotence)), [false, false, false, true])
})

Stages('under idempotence the side effect runs after the second converge, and is never restored past it', async (ctx) => {
  const [first] = await run(ctx, moleculeSpec(true))
  assert.is(first.status, 'passed')
  assert.equal(ctx.driver.played, ['step prepare.yml', 'step converge.yml', 'idempotence converge.yml', 'step side_effect.yml'])
  ctx.driver.played.length = 0
  const [again] = await run(ctx, moleculeSpec(true))
  assert.is(again.status, 'passed')
  assert.equal(ctx.driver.played, ['idempotence converge.yml', 'step side_effect.yml'], 'prepare and converge came from the cache, once')
  assert.equal(again.steps.map((s) => Boolean(s.cached)), [true, true, true, false])
})

Stages('without idempotence every stage is one cached step of the chain', async (ctx) => {
  await run(ctx, moleculeSpec(false))
  ctx.driver.played.length = 0
  const [again] = await run(ctx, moleculeSpec(false))
  assert.is(again.status, 'passed')
  assert.equal(ctx.driver.played, [])
  assert.equal(again.steps.map((s) => Boolean(s.cached)), [true, true, true, true])
})

Stages('the role under test is linked on the roles path under its names', (ctx) => {
  const converge = provisionSteps(moleculeSpec(false), ctx.root)[2]
  const script = converge.argv[2]
  assert.match(script, /ln -sfn/)
  for (const name of ['acme.web', 'web']) assert.ok(converge.argv.includes(`/tmp/galley-ansible/roles/${name}`), name)
  assert.ok(converge.argv.includes('/tmp/galley'), 'the links point at the project, which is the role')
  assert.match(converge.env.ANSIBLE_ROLES_PATH, /^\/tmp\/galley-ansible\/roles:~\/\.ansible\/roles:/)
  for (const file of ['molecule/default/converge.yml', 'tasks/main.yml', 'meta/main.yml']) assert.ok(converge.cache.paths.includes(file), `the step's key covers ${file}`)
  for (const file of ['molecule/default/prepare.yml', 'molecule/default/side_effect.yml']) assert.not.ok(converge.cache.paths.includes(file), `another playbook beside it, ${file}, is not in its key`)
})

Stages.run()

const Names = suite('the role under test and its names')

Names('found from a scenario folder, a tests folder, or not at all', () => {
  const root = makeProject({...SCENARIO, 'tests/test.yml': '- hosts: all\n', 'roles/other/tasks/main.yml': '', 'roles/other/molecule/x/converge.yml': ''})
  try {
    assert.equal(roleUnderTest(root, 'molecule/default/converge.yml')?.dir, '.')
    assert.equal(roleUnderTest(root, 'tests/test.yml')?.dir, '.')
    assert.equal(roleUnderTest(root, 'roles/other/molecule/x/converge.yml'), {dir: 'roles/other', names: ['other']})
    const plain = makeProject({'site.yml': '', 'roles/a/tasks/main.yml': ''})
    assert.is(roleUnderTest(plain, 'site.yml'), undefined)
    removeProject(plain)
  } finally {
    removeProject(root)
  }
})

Names('names as Molecule and ansible-compat give them: folder, role_name, namespace or author', () => {
  const make = (folder: string, meta?: string) => {
    const root = makeProject(meta === undefined ? {[`${folder}/tasks/main.yml`]: ''} : {[`${folder}/meta/main.yml`]: meta})
    try {
      return roleNames(path.join(root, folder))
    } finally {
      removeProject(root)
    }
  }
  assert.equal(make('ansible-role-ntp', 'galaxy_info:\n  author: geerlingguy\n  role_name: ntp\n'), ['ansible-role-ntp', 'ntp', 'geerlingguy.ntp'])
  assert.equal(make('nginx', 'galaxy_info:\n  namespace: acme\n  author: Jane Doe\n'), ['nginx', 'acme.nginx'])
  assert.equal(make('my_role', 'galaxy_info:\n  author: Jane Doe\n'), ['my_role'])
  assert.equal(make('ansible-users'), ['ansible-users', 'users'])
  assert.equal(make('broken', ': : not yaml ['), ['broken'])
})

Names('a roles/<name> -> .. link beside the scenario does not loop the key', () => {
  const root = makeProject(SCENARIO)
  try {
    mkdirSync(path.join(root, 'roles'))
    symlinkSync('..', path.join(root, 'roles', 'web'))
    const spec = moleculeSpec(false)
    assert.is(provisionSteps(spec, root).length, 4)
  } finally {
    removeProject(root)
  }
})

Names.run()

const Checks = suite('module checks know the role under test')

const GALLEY = 'provisioner: {name: ansible, playbook: molecule/default/converge.yml, prepare: molecule/default/prepare.yml}\nplatforms: [{name: p, image: {bootstrap: debootstrap}}]\nsuites: [{name: default}]\n'
const NTP = {
  'galley.yml': GALLEY,
  'meta/main.yml': 'galaxy_info:\n  author: geerlingguy\n  role_name: ntp\n',
  'tasks/main.yml': '- name: ntp is installed\n  ansible.builtin.apt: {name: ntp}\n',
  'molecule/default/prepare.yml': '- hosts: all\n  tasks:\n    - ansible.builtin.include_role: {name: ntp, tasks_from: main}\n',
  'molecule/default/converge.yml': '- hosts: all\n  roles: [geerlingguy.ntp]\n  tasks:\n    - ansible.builtin.include_role: {name: geerlingguy.ntp}\n',
}

Checks('a scenario that names the role under test by its Galaxy name or its short name loads', () => {
  const root = makeProject(NTP)
  try {
    assert.is(loadConfig({cwd: root}).instances.length, 1)
  } finally {
    removeProject(root)
  }
})

Checks("the role under test's own tasks are checked: an unknown module in them is a config error at its line", () => {
  const messages = configErrorsOf({...NTP, 'tasks/main.yml': '- name: ntp is installed\n  ansible.builtin.apt: {name: ntp}\n- name: a typo\n  ansible.builtin.servise: {name: ntp}\n'})
  assert.equal(messages.filter((m) => m.includes('servise')).length, 1, messages.join('\n'))
  assert.match(messages.join('\n'), 'tasks/main.yml:3: unknown module `ansible.builtin.servise`')
})

Checks('a role the scenario names that is neither the role under test nor anywhere else is still refused', () => {
  const messages = configErrorsOf({...NTP, 'molecule/default/converge.yml': '- hosts: all\n  roles: [geerlingguy.chrony]\n'})
  assert.match(messages.join('\n'), 'role `geerlingguy.chrony` not found')
})

Checks.run()
