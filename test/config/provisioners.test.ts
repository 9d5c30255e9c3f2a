import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {configErrorsOf} from '../fakes/config.js'
import {makeProject, removeProject} from '../fakes/project.js'

const PLATFORM = 'platforms: [{name: p, image: {bootstrap: busybox}}]\n'

const errorsOf = configErrorsOf

const Settings = suite('provisioner settings in galley.yml')

Settings('ansible settings become the provisioner of every instance, merged over the top level', () => {
  const root = makeProject({
    'galley.yml': `provisioner: {name: ansible, idempotence: true, extra_vars: {port: 80}}
${PLATFORM}suites:
  - name: web
    provisioner:
      playbook: [site.yml, more/extra.yml]
      roles_path: roles
      extra_vars: {site: {name: x}}
      inventory: {tier: prod}
      steps: [{run: 'true', check: 'test -e /x'}]
`,
    'site.yml': '- hosts: all\n',
    'more/extra.yml': '- hosts: all\n',
    'roles/.keep': '',
  })
  try {
    const settings = loadConfig({cwd: root}).instances[0].provisioner
    const p = settings.options as Record<string, unknown>
    assert.is(settings.name, 'ansible')
    assert.is(settings.idempotence, true)
    assert.equal(p.playbooks, ['site.yml', 'more/extra.yml'])
    assert.equal(p.rolesPath, ['roles'])
    assert.equal(p.extraVars, {port: 80, site: {name: 'x'}})
    assert.equal(p.inventory, {tier: 'prod'})
    assert.is(settings.steps[0].check, 'test -e /x')
  } finally {
    removeProject(root)
  }
})

Settings('puppet, chef and itamae settings', () => {
  const root = makeProject({
    'galley.yml': `${PLATFORM}suites:
  - {name: pp, provisioner: {name: puppet, manifest: manifests, modulepath: [modules, vendor]}}
  - {name: ch, provisioner: {name: chef, run_list: ['app', 'recipe[app::db]'], attributes: {app: {port: 80}}}}
  - {name: it, provisioner: {name: itamae, recipe: r.rb, attributes: {a: 1}}}
`,
    'manifests/site.pp': '',
    'modules/.keep': '',
    'vendor/.keep': '',
    'cookbooks/app/recipes/default.rb': '',
    'r.rb': '',
  })
  try {
    const [ppSettings, chSettings, itSettings] = loadConfig({cwd: root}).instances.map((i) => i.provisioner)
    const [pp, ch, it] = [ppSettings, chSettings, itSettings].map((p) => p.options as Record<string, unknown>)
    assert.equal([pp.manifest, pp.modulepath, ppSettings.idempotence], ['manifests', ['modules', 'vendor'], false])
    assert.equal([ch.runList, ch.attributes, ch.cookbooksPath], [['app', 'recipe[app::db]'], {app: {port: 80}}, undefined])
    assert.equal([it.recipes, it.attributes], [['r.rb'], {a: 1}])
  } finally {
    removeProject(root)
  }
})

Settings('a misspelt setting suggests the right one, at its position', () => {
  const messages = errorsOf({'galley.yml': `${PLATFORM}suites:\n  - name: s\n    provisioner:\n      name: ansible\n      playbok: site.yml\n`})
  assert.equal(messages, ['galley.yml:6:7: unknown key `playbok` in galley.yml.suites[0].provisioner — did you mean `playbook`?'])
})

Settings('an unknown provisioner name is refused with a suggestion', () => {
  const messages = errorsOf({'galley.yml': `${PLATFORM}suites:\n  - {name: s, provisioner: {name: ansibel}}\n`})
  assert.is(messages.length, 1)
  assert.match(messages[0], /^galley\.yml:3:35: galley\.yml\.suites\[0\]\.provisioner\.name must be one of shell, ansible, puppet, chef, itamae, got string "ansibel" — did you mean `ansible`\?$/)
})

Settings('a missing playbook, recipe or manifest is reported where it is named', () => {
  const messages = errorsOf({
    'galley.yml': `${PLATFORM}suites:
  - name: a
    provisioner: {name: ansible, playbook: [site.yml, gone.yml]}
  - name: i
    provisioner:
      name: itamae
      recipe: recipes/nope.rb
  - name: m
    provisioner: {name: puppet, manifest: site.pp, modulepath: modules}
`,
    'site.yml': '- hosts: all\n',
  })
  assert.equal(messages.map((m) => m.replace(/ \(looked for .*\)$/, '')), [
    'galley.yml:4:55: playbook `gone.yml` not found',
    'galley.yml:8:15: recipe `recipes/nope.rb` not found',
    'galley.yml:10:43: manifest `site.pp` not found',
    'galley.yml:10:64: modulepath `modules` not found',
  ])
  assert.match(messages[0], new RegExp(`looked for gone\\.yml\\)$`))
})

Settings('a tool without its main setting, and settings of another tool, are errors', () => {
  const messages = errorsOf({'galley.yml': `${PLATFORM}suites:\n  - name: s\n    provisioner:\n      name: puppet\n      playbook: site.yml\n`, 'site.yml': ''})
  assert.equal(messages, [
    'galley.yml:5:13: suite `s` uses the puppet provisioner but has no `manifest:`',
    'galley.yml:6:7: `playbook` is a setting of the ansible provisioner, but suite `s` uses puppet',
  ])
})

Settings('paths outside the project, bad run-list entries and a missing cookbooks folder are errors', () => {
  const messages = errorsOf({'galley.yml': `${PLATFORM}suites:\n  - {name: a, provisioner: {name: ansible, playbook: ../x.yml}}\n  - {name: c, provisioner: {name: chef, run_list: ['recipe[ok]', 'not a recipe']}}\n`})
  assert.equal(messages, [
    'galley.yml:3:54: playbook `../x.yml` is outside the project folder',
    'galley.yml:4:66: run_list entry `not a recipe` is not a recipe or role',
    'galley.yml:4:41: suite `c` uses chef without `cookbooks_path:`, and the default `cookbooks` not found (looked for cookbooks)',
  ])
})

Settings('idempotence must be a boolean; extra_vars a mapping', () => {
  const messages = errorsOf({'galley.yml': `${PLATFORM}suites:\n  - {name: s, provisioner: {name: ansible, playbook: p.yml, idempotence: yes, extra_vars: [a]}}\n`, 'p.yml': ''})
  assert.equal(messages, [
    'galley.yml:3:74: galley.yml.suites[0].provisioner.idempotence must be true or false, got string "yes"',
    'galley.yml:3:91: galley.yml.suites[0].provisioner.extra_vars must be a mapping of names to values, got a list',
  ])
})

Settings.run()
