import {createHash} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {InstanceSpec} from '../../src/config/types.js'
import {stepKeys} from '../../src/lifecycle/cache.js'
import {FACT_CACHE_DIR, factCacheEnv} from '../../src/provisioners/ansible/facts.js'
import {playbookGroups} from '../../src/provisioners/ansible/playbooks.js'
import {provisionSteps} from '../../src/provisioners/index.js'
import {fakeSpec, makeProject, removeProject} from '../fakes/project.js'

/** A spec whose provisioner is `settings.name` with the rest as that tool's settings. */
function specWith(name: string, settings: {name: string} & Record<string, unknown>): InstanceSpec {
  const spec = fakeSpec(name, [])
  const {name: tool, ...options} = settings
  return {...spec, provisioner: {...spec.provisioner, name: tool, options}}
}

const keysOf = (spec: InstanceSpec, base: string, root: string) => stepKeys(spec, provisionSteps(spec, root), base, root)

/** Keys before and after editing one file of a fresh project. */
function keysAround(files: Record<string, string>, spec: InstanceSpec, edit: string): {before: string[]; after: string[]} {
  const root = makeProject(files)
  try {
    const before = keysOf(spec, 'base', root)
    assert.equal(keysOf(spec, 'base', root), before, 'keys are stable')
    writeFileSync(path.join(root, edit), 'edited\n')
    return {before, after: keysOf(spec, 'base', root)}
  } finally {
    removeProject(root)
  }
}

const Keys = suite('recipe step keys')

const ROLE = {
  'site.yml': '- hosts: web\n  roles: [nginx]\n',
  'roles/nginx/tasks/main.yml': '- ansible.builtin.apt: {name: nginx}\n',
  'roles/nginx/templates/site.conf.j2': 'listen 80;\n',
}

Keys('editing a role template changes the playbook step key, not the install step key', () => {
  const spec = specWith('web-p', {name: 'ansible', playbooks: ['site.yml']})
  const {before, after} = keysAround(ROLE, spec, 'roles/nginx/templates/site.conf.j2')
  assert.is(before.length, 2)
  assert.is(after[0], before[0])
  assert.is.not(after[1], before[1])
})

Keys('a role on roles_path outside the playbook folder is part of the key; a role the playbook does not name is not', () => {
  const spec = specWith('web-p', {name: 'ansible', playbooks: ['play/site.yml'], rolesPath: ['shared-roles']})
  const files = {'play/site.yml': '- hosts: all\n  roles: [x]\n', 'shared-roles/x/tasks/main.yml': '- debug: {msg: hi}\n', 'shared-roles/y/tasks/main.yml': '- debug: {msg: hi}\n', 'tests/t.sh': 'true\n'}
  const {before, after} = keysAround(files, spec, 'shared-roles/x/tasks/main.yml')
  assert.is.not(after[1], before[1])
  const unrelated = keysAround(files, spec, 'tests/t.sh')
  assert.equal(unrelated.after, unrelated.before, 'a file no step reads changes nothing')
  const other = keysAround(files, spec, 'shared-roles/y/tasks/main.yml')
  assert.equal(other.after, other.before, 'a role the playbook does not reach changes nothing')
})

Keys('a role named only at run time: the playbook folder and roles_path are covered whole', () => {
  const spec = specWith('web-p', {name: 'ansible', playbooks: ['play/site.yml'], rolesPath: ['shared-roles']})
  const files = {'play/site.yml': '- hosts: all\n  tasks:\n    - include_role: {name: "{{ which }}"}\n', 'shared-roles/y/tasks/main.yml': '- debug: {msg: hi}\n'}
  const {before, after} = keysAround(files, spec, 'shared-roles/y/tasks/main.yml')
  assert.is.not(after[1], before[1])
})

Keys('a playbook beside galley.yml: its top-level tests folder is not part of the key', () => {
  const spec = specWith('web-p', {name: 'ansible', playbooks: ['site.yml']})
  const files = {...ROLE, 'tests/serves.sh': 'true\n', 'group_vars/all.yml': 'port: 80\n'}
  const test = keysAround(files, spec, 'tests/serves.sh')
  assert.equal(test.after, test.before)
  const vars = keysAround(files, spec, 'group_vars/all.yml')
  assert.is.not(vars.after[1], vars.before[1])
})

Keys('extra_vars are part of the playbook key; the install key is shared by every suite', () => {
  const root = makeProject(ROLE)
  try {
    const a = keysOf(specWith('a-p', {name: 'ansible', playbooks: ['site.yml'], extraVars: {port: 80}}), 'base', root)
    const b = keysOf(specWith('a-p', {name: 'ansible', playbooks: ['site.yml'], extraVars: {port: 81}}), 'base', root)
    const other = keysOf(specWith('b-p', {name: 'ansible', playbooks: ['site.yml']}), 'base', root)
    assert.is(a[0], b[0])
    assert.is(a[0], other[0])
    assert.is.not(a[1], b[1])
  } finally {
    removeProject(root)
  }
})

Keys('itamae: a template beside the recipe; puppet: a module file; chef: a cookbook file', () => {
  const itamae = keysAround({'r/default.rb': "template '/x' do source 't.erb' end\n", 'r/t.erb': 'a\n'}, specWith('a-p', {name: 'itamae', recipes: ['r/default.rb']}), 'r/t.erb')
  assert.is.not(itamae.after[1], itamae.before[1])
  const puppet = keysAround({'manifests/site.pp': 'include app\n', 'modules/app/manifests/init.pp': 'class app {}\n'}, specWith('a-p', {name: 'puppet', manifest: 'manifests/site.pp', modulepath: ['modules']}), 'modules/app/manifests/init.pp')
  assert.is.not(puppet.after[1], puppet.before[1])
  const chef = keysAround({'cookbooks/app/recipes/default.rb': "file '/x'\n"}, specWith('a-p', {name: 'chef', runList: ['app']}), 'cookbooks/app/recipes/default.rb')
  assert.is.not(chef.after[0], chef.before[0])
})

Keys('shell steps keep their keys: the step cache filled before recipe tools still hits', () => {
  const root = makeProject({'s.sh': 'echo hi\n'})
  try {
    const spec = fakeSpec('a-p', ['echo one'])
    spec.provisioner.steps.push({name: 's.sh', script: 's.sh', env: {}})
    const keys = keysOf(spec, 'base-1', root)
    // The step cache's first formula: parent, then the step as JSON, then the script's bytes.
    const env = {GALLEY_INSTANCE: 'a-p', GALLEY_PLATFORM: 'busybox', GALLEY_SUITE: 'a'}
    const first = createHash('sha256').update('base-1').update('\0').update(JSON.stringify({provisioner: 'shell', env, script: null, run: 'echo one'})).digest('hex').slice(0, 32)
    const second = createHash('sha256').update(first).update('\0').update(JSON.stringify({provisioner: 'shell', env, script: 's.sh', run: null})).update('\0').update('echo hi\n').digest('hex').slice(0, 32)
    assert.equal(keys, [first, second])
    const withCheck = {...spec, provisioner: {...spec.provisioner, steps: spec.provisioner.steps.map((s) => ({...s, check: 'true'}))}}
    assert.equal(keysOf(withCheck, 'base-1', root), keys, 'a check: does not change what the step does')
  } finally {
    removeProject(root)
  }
})

Keys.run()

const Steps = suite('provisionSteps')

Steps('shell steps run first, then the tool is installed, then one step per playbook', () => {
  const spec = {...specWith('a-p', {name: 'ansible', playbooks: ['a.yml', 'b.yml']}), provisioner: {name: 'ansible', env: {}, steps: [{name: 'prep', run: 'true', env: {}}], options: {playbooks: ['a.yml', 'b.yml']}}}
  const root = makeProject({'a.yml': '- hosts: all\n', 'b.yml': '- hosts: all\n'})
  try {
    const steps = provisionSteps(spec, root)
    assert.equal(steps.map((s) => s.name), ['prep', 'install ansible-core', 'a.yml', 'b.yml'])
    assert.equal(steps.map((s) => Boolean(s.recheck)), [false, false, true, true])
    assert.ok(steps[2].argv.includes('/tmp/galley/a.yml'))
  } finally {
    removeProject(root)
  }
})

Steps('the inventory puts the instance in every group the plays name', () => {
  const root = makeProject({
    'site.yml': '- hosts: webservers:&prod\n  tasks: []\n- hosts: [db, "!legacy"]\n  tasks: []\n- hosts: all\n- import_playbook: more.yml\n',
    'more.yml': '- hosts: "cache*,workers"\n',
  })
  try {
    assert.equal(playbookGroups(root, 'site.yml').sort(), ['db', 'legacy', 'prod', 'webservers', 'workers'])
  } finally {
    removeProject(root)
  }
})

Steps('modules of collections outside ansible-core install Debian\'s full ansible', () => {
  const root = makeProject({'site.yml': '- hosts: all\n  tasks:\n    - community.general.ufw: {rule: allow}\n    - ansible.builtin.debug: {msg: hi}\n'})
  const core = makeProject({'site.yml': '- hosts: all\n  tasks:\n    - ansible.builtin.debug: {msg: hi}\n'})
  try {
    const install = (dir: string, settings: Record<string, unknown> = {}) => provisionSteps(specWith('a-p', {name: 'ansible', playbooks: ['site.yml'], ...settings}), dir)[0].name
    assert.is(install(root), 'install ansible')
    assert.is(install(core), 'install ansible-core')
    assert.is(install(core, {package: 'ansible'}), 'install ansible')
  } finally {
    removeProject(root)
    removeProject(core)
  }
})

Steps('ansible playbooks share facts gathered once per container; a run as a user keeps its own', () => {
  const root = makeProject({'site.yml': '- hosts: all\n  tasks:\n    - ansible.builtin.debug: {msg: hi}\n'})
  try {
    const [, play] = provisionSteps(specWith('a-p', {name: 'ansible', playbooks: ['site.yml']}), root)
    assert.is(play.env?.ANSIBLE_GATHERING, 'smart')
    assert.is(play.env?.ANSIBLE_CACHE_PLUGIN_CONNECTION, FACT_CACHE_DIR)
    assert.is(play.recheck?.env?.ANSIBLE_CACHE_PLUGIN_CONNECTION, FACT_CACHE_DIR)
    assert.is(factCacheEnv('app').ANSIBLE_CACHE_PLUGIN_CONNECTION, `${FACT_CACHE_DIR}-app`)
  } finally {
    removeProject(root)
  }
})

Steps.run()
