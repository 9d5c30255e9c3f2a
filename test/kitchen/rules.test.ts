import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {importKitchen} from '../../src/kitchen/index.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {load, places, withProject} from './import-project.js'

const Merging = suite('import: merging and Kitchen rules')

Merging('kitchen.local.yml merges over kitchen.yml: mappings key by key, lists replaced; its lines are its own', () => {
  const local = `driver:
  memory: 1g
  privileged: true
platforms:
  - name: debian-11
`
  withProject('shell', {'kitchen.local.yml': local}, (result) => {
    assert.equal(result.files, ['kitchen.yml', 'kitchen.local.yml'])
    assert.equal((result.config.driver as {memory: string}).memory, '1g')
    assert.equal(result.config.platforms, [{name: 'debian-11', image: 'debian:11'}])
    assert.ok(places(result.unmapped).includes('kitchen.local.yml:3:3 driver.privileged'))
    // The main file's platforms are gone, and with them what they said.
    assert.not.ok(result.notes.some((n) => n.key.startsWith('platforms[busybox]')))
  })
})

Merging('.kitchen.yml is found when there is no kitchen.yml, and .kitchen.local.yml goes with it', () => {
  const main = 'driver: {name: docker}\nprovisioner: {name: shell, command: "true"}\nplatforms: [{name: ubuntu-20.04}]\nsuites: [{name: default}]\n'
  withProject(undefined, {'.kitchen.yml': main, '.kitchen.local.yml': 'platforms: [{name: debian-10}]\n'}, (result) => {
    assert.equal(result.files, ['.kitchen.yml', '.kitchen.local.yml'])
    assert.equal(result.config.platforms, [{name: 'debian-10', image: 'debian:10'}])
    assert.equal(result.config.provisioner, {steps: [{name: 'command', run: 'true'}]})
  })
})

Merging("a platform's run list comes before the suite's; attributes merge suite over platform", () => {
  const yml = `driver: docker
provisioner: chef_solo
platforms:
  - name: debian-12
    run_list: ['recipe[apt]']
    attributes: {app: {port: 80, user: www}}
  - name: ubuntu-22.04
suites:
  - name: app
    run_list: ['recipe[app]']
    attributes: {app: {port: 8080}}
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    // Galley's suite settings replace a platform's lists, so the joined lists are per suite × platform: here per platform.
    assert.equal(result.config.platforms, [
      {name: 'debian-12', image: 'debian:12', provisioner: {run_list: ['recipe[apt]', 'recipe[app]'], attributes: {app: {port: 8080, user: 'www'}}}},
      {name: 'ubuntu-22.04', image: 'ubuntu:22.04', provisioner: {run_list: ['recipe[app]'], attributes: {app: {port: 8080}}}},
    ])
    assert.equal(result.config.provisioner, {name: 'chef'})
    assert.equal(result.unmapped, [])
  })
})

Merging('a suite whose settings differ by platform in a way no level can hold is split, each part including its platforms', () => {
  const yml = `driver: {name: docker}
provisioner: {name: shell}
platforms:
  - name: centos-7
    driver: {provision_command: yum install -y which}
  - name: debian-12
suites:
  - name: web
    provisioner: {script: web.sh}
  - name: db
    provisioner: {script: db.sh}
    includes: [debian-12]
`
  withProject(undefined, {'kitchen.yml': yml, 'web.sh': 'true\n', 'db.sh': 'true\n'}, (result, root) => {
    const yum = {name: 'provision_command: yum install -y which', run: 'yum install -y which'}
    assert.equal(result.config.suites, [
      {name: 'web', provisioner: {steps: [yum, {script: 'web.sh'}]}, includes: ['centos-7']},
      {name: 'web-debian-12', provisioner: {steps: [{script: 'web.sh'}]}, includes: ['debian-12']},
      {name: 'db', provisioner: {steps: [{script: 'db.sh'}]}, includes: ['debian-12']},
    ])
    assert.ok(result.notes.some((n) => n.key === 'suites[web]' && /split: web, web-debian-12/.test(n.reason)))
    assert.equal(load(result, root).instances.map((i) => [i.name, i.provisioner.steps.length]), [['web-centos-7', 2], ['web-debian-12-debian-12', 1], ['db-debian-12', 1]])
  })
})

Merging("the shell verifier's KITCHEN_SUITE and friends are set from Galley's names", () => {
  const yml = `driver: docker
provisioner: {name: shell, command: "true"}
verifier: {name: shell, remote_exec: true, command: 'test -f /etc/\${KITCHEN_SUITE}.conf && echo $KITCHEN_PLATFORM'}
platforms: [{name: debian-12}]
suites: [{name: web}]
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    assert.equal(result.config.verifier, {tests: [{name: 'shell verifier', run: 'export KITCHEN_SUITE="$GALLEY_SUITE" KITCHEN_PLATFORM="$GALLEY_PLATFORM"; test -f /etc/${KITCHEN_SUITE}.conf && echo $KITCHEN_PLATFORM'}]})
    assert.equal(result.unmapped, [])
    assert.equal(result.notes.filter((n) => n.key.startsWith('verifier')), [])
  })
})

Merging('includes with a /regex/ expand to platform names; unknown names are reported, not passed on', () => {
  const yml = `driver: {name: docker}
provisioner: {name: shell, command: "true"}
platforms: [{name: ubuntu-20.04}, {name: ubuntu-22.04}, {name: debian-12}]
suites:
  - {name: a, includes: ["/^ubuntu/"]}
  - {name: b, excludes: [centos-7, debian-12]}
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    assert.equal(result.config.suites, [
      {name: 'a', includes: ['ubuntu-20.04', 'ubuntu-22.04']},
      {name: 'b', excludes: ['debian-12']},
    ])
    assert.equal(places(result.unmapped), ['kitchen.yml:6:26 suites[b].excludes[0]'])
  })
})

Merging('lifecycle: remote hooks become steps, local ones and hooks limited to platforms are reported', () => {
  const yml = `driver: {name: docker}
provisioner: {name: ansible_playbook, playbook: site.yml}
lifecycle:
  pre_converge:
    - remote: apt-get update
    - remote: echo only-debian
      includes: [debian-12]
  post_converge:
    - remote: echo after
  pre_verify:
    - remote: sleep 2
platforms: [{name: debian-12}]
suites: [{name: default}]
`
  withProject(undefined, {'kitchen.yml': yml, 'site.yml': '- hosts: all\n'}, (result) => {
    assert.equal(result.config.provisioner, {name: 'ansible', playbook: 'site.yml', steps: [{name: 'pre_converge: apt-get update', run: 'apt-get update'}]})
    assert.equal(places(result.unmapped), ['kitchen.yml:6:7 lifecycle.pre_converge[1]', 'kitchen.yml:9:7 lifecycle.post_converge[0]', 'kitchen.yml:11:7 lifecycle.pre_verify[0]'])
    assert.match(result.unmapped[1].reason, 'before the ansible run')
  })
})

Merging('another driver, provisioner or verifier: platforms still get images by name, and their keys are reported', () => {
  const yml = `driver:
  name: vagrant
  box: bento/ubuntu-22.04
provisioner:
  name: salt_solo
  formula: web
verifier:
  name: serverspec
platforms:
  - name: ubuntu-22.04
    os_type: linux
suites:
  - name: default
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    assert.equal(result.config, {driver: {name: 'docker'}, platforms: [{name: 'ubuntu-22.04', image: 'ubuntu:22.04'}], suites: [{name: 'default'}]})
    assert.equal(places(result.unmapped), [
      'kitchen.yml:2:3 driver.name',
      'kitchen.yml:3:3 driver.box',
      'kitchen.yml:5:3 provisioner.name',
      'kitchen.yml:6:3 provisioner.formula',
      'kitchen.yml:8:3 verifier.name',
      'kitchen.yml:11:5 platforms[ubuntu-22.04].os_type',
    ])
  })
})

Merging('puppet_apply: manifests_path/manifest and modules_path become the puppet provisioner', () => {
  const yml = `driver: docker
provisioner:
  name: puppet_apply
  manifests_path: test/manifests
  manifest: web.pp
  modules_path: modules
  puppet_debug: true
platforms: [{name: debian-12}]
suites: [{name: web}]
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    assert.equal(result.config.provisioner, {name: 'puppet', manifest: 'test/manifests/web.pp', modulepath: 'modules'})
    assert.equal(places(result.unmapped), ['kitchen.yml:7:3 provisioner.puppet_debug'])
    // Neither exists in this project: said, so the user knows why galley.yml will not load yet.
    assert.equal(result.notes.filter((n) => /does not exist/.test(n.reason)).map((n) => n.key), ['provisioner.manifest', 'provisioner.modules_path'])
  })
})

Merging('busser: bats tests under test/integration/<suite>/bats become the bats verifier; serverspec is reported', () => {
  const yml = 'driver: docker\nprovisioner: {name: shell, command: "true"}\nplatforms: [{name: debian-12}]\nsuites: [{name: default}]\n'
  const root = makeProject({'kitchen.yml': yml, 'test/integration/default/bats/site.bats': '@test "x" { true; }\n', 'test/integration/default/serverspec/site_spec.rb': ''})
  const cwd = process.cwd()
  process.chdir(root)
  try {
    const result = importKitchen({file: path.join(root, 'kitchen.yml'), outDir: root})
    assert.equal(result.config.verifier, {bats: ['test/integration/default/bats/site.bats']})
    assert.equal(places(result.unmapped), ['kitchen.yml:1:1 verifier (suite default)'])
    assert.match(result.unmapped[0].reason, 'test/integration/default/serverspec')
  } finally {
    process.chdir(cwd)
    removeProject(root)
  }
})

Merging('YAML anchors and merge keys resolve as Test Kitchen reads them; the anchor holder is reported', () => {
  const yml = `.common: &common
  image: debian:12
  privileged: true
driver: {name: docker}
provisioner: {name: shell, command: "true"}
platforms:
  - name: deb
    driver:
      <<: *common
      image: debian:11
suites: [{name: default}]
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    assert.equal(result.config.platforms, [{name: 'deb', image: 'debian:11'}])
    assert.equal(places(result.unmapped), ['kitchen.yml:1:1 .common', 'kitchen.yml:3:3 platforms[deb].driver.privileged'])
  })
})

Merging('paths are made relative to the folder galley.yml goes to; what falls outside it is reported', () => {
  const root = makeProject({'kitchen/kitchen.yml': 'driver: docker\nprovisioner: {name: shell, script: ../scripts/run.sh}\nplatforms: [{name: debian-12}]\nsuites: [{name: a}]\n', 'scripts/run.sh': 'true\n'})
  try {
    const inside = importKitchen({file: path.join(root, 'kitchen/kitchen.yml'), outDir: root})
    assert.equal(inside.config.provisioner, {steps: [{script: 'scripts/run.sh'}]})
    const outside = importKitchen({file: path.join(root, 'kitchen/kitchen.yml'), outDir: path.join(root, 'kitchen')})
    assert.equal(outside.config.provisioner, undefined)
    assert.ok(outside.unmapped.some((i) => i.key === 'provisioner.script' && /outside/.test(i.reason)))
  } finally {
    removeProject(root)
  }
})

Merging.run()
