/** galley.local.yml switching off what galley.yml sets: null unsets a key, [] empties a list, and what must stay is still refused. */
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {Ajv} from 'ajv'
import {galleySchema} from '../../src/config/jsonschema.js'
import {loadConfig} from '../../src/config/load.js'
import {configErrorsOf} from '../fakes/config.js'
import {makeProject, removeProject} from '../fakes/project.js'

const GALLEY = `driver: {name: dummy, memory: 256M}
platforms:
  - {name: p, image: {bootstrap: busybox}, init: none}
suites:
  - name: s
    provisioner:
      name: ansible
      playbook: site.yml
      prepare: [prepare.yml]
      requirements: [requirements.yml]
      env: {A: a}
    verifier:
      tests: [{run: 'true'}]
      assert: [{file: /etc/motd}]
    includes: [p]
`
const FILES = {
  'galley.yml': GALLEY,
  'site.yml': '- hosts: all\n  tasks: [{ansible.builtin.command: "true"}]\n',
  'prepare.yml': '- hosts: all\n  tasks: [{ansible.builtin.command: "true"}]\n',
  'requirements.yml': 'roles: []\n',
}

function load(local: string) {
  const root = makeProject({...FILES, 'galley.local.yml': local})
  try {
    return loadConfig({cwd: root})
  } finally {
    removeProject(root)
  }
}

const Override = suite('galley.local.yml: switching settings off')

Override('null unsets a setting: the default applies, as if galley.yml did not set it', () => {
  const config = load(`driver: {memory: null}
suites:
  - name: s
    provisioner: {prepare: null, env: null}
    verifier: {assert: ~}
    includes:
`)
  const [inst] = config.instances
  assert.is(inst.driver.memory, undefined)
  assert.equal(inst.provisioner.env, {})
  const ansible = inst.provisioner.options as {prepare?: string[]; playbooks: string[]}
  assert.is(ansible.prepare, undefined)
  assert.equal(ansible.playbooks, ['site.yml'])
  assert.equal(inst.verifier.sections.assert, [])
  assert.is(inst.verifier.tests.length, 1)
})

Override('[] empties a list: no prepare playbook, no requirements, no tests', () => {
  const config = load(`suites:
  - name: s
    provisioner: {prepare: [], requirements: []}
    verifier: {tests: []}
`)
  const ansible = config.instances[0].provisioner.options as {prepare?: string[]; requirements?: string[]}
  assert.equal(ansible.prepare, [])
  assert.equal(ansible.requirements, [])
  assert.equal(config.instances[0].verifier.tests, [])
})

Override("a platform is overridden by name without repeating its image; a mapping's own values stay values", () => {
  const config = load(`platforms:
  - {name: p, init: null, driver: {memory: 1G}}
suites:
  - name: s
    provisioner: {extra_vars: {proxy: null}}
`)
  const [inst] = config.instances
  assert.is(inst.platform.init, 'none')
  assert.is(inst.driver.memory, 1024 ** 3)
  assert.equal((inst.provisioner.options as {extraVars?: Record<string, unknown>}).extraVars, {proxy: null})
})

Override('what must stay is still refused: names, a required list emptied, a platform left without an image', () => {
  const errors = (local: string) => configErrorsOf({...FILES, 'galley.local.yml': local})
  assert.match(errors('suites: [{name: s, provisioner: {playbook: []}}]\n').join('\n'), /suite `s` uses the ansible provisioner, whose `playbook:` must name at least one entry/)
  assert.match(errors('suites: [{name: s, provisioner: {playbook: null}}]\n').join('\n'), /suite `s` uses the ansible provisioner but has no `playbook:`/)
  assert.match(errors('platforms: [{name: p, image: null}]\n').join('\n'), /galley.local.yml:1:30: platform `p` has no image once galley.local.yml is merged over galley.yml/)
  assert.match(errors('platforms: [{name: q, init: systemd}]\n').join('\n'), /platform `q` has no image/)
  const overEngineImage = configErrorsOf({...FILES, 'galley.yml': GALLEY.replace('{bootstrap: busybox}', '"debian:12"'), 'galley.local.yml': 'platforms: [{name: p, image: {release: bookworm}}]\n'})
  assert.match(overEngineImage.join('\n'), /platform `p` has an image with no `bootstrap:`/)
  assert.match(errors('suites: [{name: null}]\n').join('\n'), /suites\[0\]\.name must be a name/)
  assert.match(errors('platforms: null\n').join('\n'), /platforms must be a list/)
  // A list replaced whole keeps galley.yml's rules for its entries.
  assert.match(errors('suites: [{name: s, verifier: {tests: [{run: null}]}}]\n').join('\n'), /tests\[0\]\.run must be a non-empty string/)
})

Override('galley.yml itself still refuses an empty list and a null', () => {
  const errors = configErrorsOf({...FILES, 'galley.yml': GALLEY.replace('prepare: [prepare.yml]', 'prepare: []').replace('env: {A: a}', 'env: null')})
  assert.match(errors.join('\n'), /provisioner\.prepare must name at least one entry/)
  assert.match(errors.join('\n'), /provisioner\.env must be a mapping/)
})

Override('the JSON Schema of galley.local.yml says the same', () => {
  const ajv = new Ajv({allErrors: true, strict: false})
  const local = ajv.compile(galleySchema(true))
  const main = ajv.compile(galleySchema(false))
  const doc = {platforms: [{name: 'p', init: null}], suites: [{name: 's', provisioner: {prepare: [], env: null}}]}
  assert.ok(local(doc), ajv.errorsText(local.errors))
  assert.not.ok(main({...doc, platforms: [{name: 'p', image: 'debian:12'}]}))
  assert.not.ok(local({suites: [{name: null}]}))
})

Override.run()
