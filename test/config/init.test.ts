import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {galleySchema} from '../../src/config/jsonschema.js'
import {imageIdFor} from '../../src/images/build.js'
import type {BootstrapSpec} from '../../src/config/types.js'
import {configErrorsOf} from '../fakes/config.js'
import {makeProject, removeProject} from '../fakes/project.js'

const Init = suite('init: none|systemd')

const project = (platforms: string) => `platforms:
${platforms}
suites:
  - name: web
    provisioner: {steps: [{run: 'true'}]}
`

function instances(platforms: string) {
  const root = makeProject({'galley.yml': project(platforms)})
  try {
    return loadConfig({cwd: root}).instances
  } finally {
    removeProject(root)
  }
}

Init('a platform boots nothing unless it says init: systemd; a debootstrap image then gets systemd, systemd-sysv and dbus', () => {
  const [plain, systemd] = instances(`  - {name: plain, image: {bootstrap: debootstrap, packages: [ca-certificates]}}
  - {name: sd, image: {bootstrap: debootstrap, packages: [ca-certificates, dbus]}, init: systemd}`)
  assert.is(plain.platform.init, 'none')
  assert.equal(plain.platform.image, {bootstrap: 'debootstrap', release: 'bookworm', variant: 'minbase', packages: ['ca-certificates']})
  assert.is(systemd.platform.init, 'systemd')
  assert.equal(systemd.platform.image, {bootstrap: 'debootstrap', release: 'bookworm', variant: 'minbase', packages: ['ca-certificates', 'dbus', 'systemd', 'systemd-sysv'], init: 'systemd'})
})

Init('the systemd image has an id of its own, also against the same packages listed by hand', () => {
  const plain: BootstrapSpec = {bootstrap: 'debootstrap', release: 'bookworm', variant: 'minbase', packages: ['ca-certificates']}
  const byHand: BootstrapSpec = {...plain, packages: ['ca-certificates', 'systemd', 'systemd-sysv', 'dbus']}
  const systemd: BootstrapSpec = {...byHand, init: 'systemd'}
  const ids = new Set([imageIdFor(plain), imageIdFor(byHand), imageIdFor(systemd)])
  assert.is(ids.size, 3)
  // Images built before init existed keep their ids.
  assert.is(imageIdFor(plain), imageIdFor({...plain}))
})

Init('an engine image is used as it is, and driver.privileged is read', () => {
  const [inst] = instances(`  - {name: sd, image: 'debian:12', init: systemd, driver: {name: docker, privileged: true}}`)
  assert.equal(inst.platform.image, {ref: 'debian:12'})
  assert.is(inst.platform.init, 'systemd')
  assert.is(inst.driver.privileged, true)
})

Init('init is a platform key only, with two values', () => {
  const top = configErrorsOf({'galley.yml': 'init: systemd\n' + project('  - {name: bb, image: {bootstrap: busybox}}')})
  assert.match(top.join('\n'), /unknown key `init`/)
  const bad = configErrorsOf({'galley.yml': project('  - {name: bb, image: {bootstrap: busybox}, init: sysvinit}')})
  assert.match(bad.join('\n'), /init must be one of none, systemd, got string "sysvinit"/)
})

Init('the JSON Schema knows init and privileged', () => {
  const schema = JSON.stringify(galleySchema())
  assert.match(schema, /"init":\{"enum":\["none","systemd"\]/)
  assert.match(schema, /"privileged":\{"type":"boolean"/)
})

Init.run()
