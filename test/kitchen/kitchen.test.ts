import {cpSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {imageForPlatformName} from '../../src/kitchen/drivers.js'
import {findKitchenFile, importKitchen, type ImportResult} from '../../src/kitchen/index.js'
import {maskErb} from '../../src/kitchen/read.js'
import {loadConfig} from '../../src/config/load.js'
import {ConfigError, ConfigErrors} from '../../src/errors.js'
import {makeProject, removeProject} from '../fakes/project.js'

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/kitchen/', import.meta.url))

/** Imports a kitchen project (a fixture folder, extra files on top) from a copy, as a user in that folder would. */
function importProject(fixture: string | undefined, files: Record<string, string> = {}, bootstrap = false, driver?: 'lxc' | 'docker'): {result: ImportResult; root: string} {
  const root = makeProject({})
  if (fixture) cpSync(path.join(FIXTURES, fixture), root, {recursive: true})
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, name), content)
  const cwd = process.cwd()
  process.chdir(root)
  try {
    return {result: importKitchen({file: path.join(root, findKitchenFile(root) ? path.basename(findKitchenFile(root)!) : 'kitchen.yml'), outDir: root, bootstrap, driver}), root}
  } finally {
    process.chdir(cwd)
  }
}

function withProject<T>(fixture: string | undefined, files: Record<string, string>, fn: (result: ImportResult, root: string) => T, bootstrap = false, driver?: 'lxc' | 'docker'): T {
  const {result, root} = importProject(fixture, files, bootstrap, driver)
  try {
    return fn(result, root)
  } finally {
    removeProject(root)
  }
}

const places = (items: {file: string; line: number; col: number; key: string}[]) => items.map((i) => `${i.file}:${i.line}:${i.col} ${i.key}`)

/** Loads the written galley.yml with Galley's own loader. */
function load(result: ImportResult, root: string, driver?: 'lxc' | 'docker') {
  writeFileSync(path.join(root, 'galley.yml'), result.text)
  return loadConfig({cwd: root, driver})
}

const DockerChef = suite('import: kitchen-docker with chef_zero')

DockerChef('maps run lists, attributes, images and provision_command; excludes stay', () => {
  withProject('docker-chef', {}, (result) => {
    assert.equal(result.config, {
      driver: {name: 'docker'},
      provisioner: {name: 'chef', cookbooks_path: 'cookbooks'},
      platforms: [
        {name: 'ubuntu-22.04', image: 'ubuntu:22.04'},
        {name: 'debian-12', image: 'debian:12'},
        {name: 'centos-7', image: 'centos:7', provisioner: {steps: [{name: 'provision_command: yum install -y initscripts net-tools', run: 'yum install -y initscripts net-tools'}]}},
      ],
      suites: [
        {name: 'default', provisioner: {run_list: ['recipe[nginx_site::default]'], attributes: {nginx_site: {port: 8080}}}},
        {name: 'tls', provisioner: {run_list: ['recipe[nginx_site::default]', 'recipe[nginx_site::tls]'], attributes: {nginx_site: {port: 443, tls: true}}}, excludes: ['centos-7']},
      ],
    })
  })
})

DockerChef('lists every key it did not carry over, with its line', () => {
  withProject('docker-chef', {}, (result) => {
    assert.equal(places(result.unmapped), [
      'kitchen.yml:4:3 driver.use_sudo',
      'kitchen.yml:5:3 driver.privileged',
      'kitchen.yml:9:3 provisioner.product_name',
      'kitchen.yml:10:3 provisioner.product_version',
      'kitchen.yml:11:3 provisioner.always_update_cookbooks',
      'kitchen.yml:13:3 provisioner.data_bags_path',
      'kitchen.yml:16:3 verifier (suite tls)',
      'kitchen.yml:24:7 platforms[centos-7].driver.platform',
      'kitchen.yml:25:7 platforms[centos-7].driver.run_command',
      'kitchen.yml:37:7 suites[default].verifier.inspec_tests',
    ])
    const inspec = result.unmapped.find((i) => i.key.endsWith('inspec_tests'))!
    assert.match(inspec.reason, 'cannot run InSpec')
    assert.match(inspec.reason, 'test/integration/default/controls/nginx_test.rb')
    // Images named by the platform must be in the engine: there is no registry to pull from.
    assert.ok(result.notes.some((n) => n.key === 'platforms[ubuntu-22.04]' && /load it into the engine/.test(n.reason)))
    assert.ok(result.notes.some((n) => n.key === 'provisioner.name' && /Cinc or Chef/.test(n.reason)))
  })
})

DockerChef('the header of galley.yml lists the same items as comments, and the YAML is the config', () => {
  withProject('docker-chef', {}, (result) => {
    for (const item of result.unmapped) assert.ok(result.text.includes(`#   kitchen.yml:${item.line}:${item.col}: ${item.key} — `), item.key)
    assert.equal(parse(result.text), result.config)
  })
})

const Dokken = suite('import: kitchen-dokken')

Dokken('images, env, idempotence and the run list map; dokken specifics are reported', () => {
  withProject('dokken', {}, (result) => {
    assert.equal(result.config, {
      driver: {name: 'docker'},
      provisioner: {name: 'chef', run_list: ['recipe[test::default]'], attributes: {timezone: 'UTC'}, idempotence: true, env: {CHEF_LICENSE: 'accept'}},
      verifier: {env: {CHEF_LICENSE: 'accept'}},
      platforms: [
        {name: 'debian-12', image: 'dokken/debian-12'},
        {name: 'ubuntu-22.04', image: 'dokken/ubuntu-22.04'},
      ],
      suites: [{name: 'default'}],
    })
    assert.equal(places(result.unmapped), [
      'kitchen.yml:3:3 driver.privileged',
      'kitchen.yml:4:3 driver.chef_version',
      'kitchen.yml:8:3 transport.name',
      'kitchen.yml:12:3 provisioner.deprecations_as_errors',
      'kitchen.yml:14:3 provisioner.multiple_converge',
      'kitchen.yml:17:3 verifier (suite default)',
      'kitchen.yml:23:7 platforms[debian-12].driver.pid_one_command',
      'kitchen.yml:24:7 platforms[debian-12].driver.intermediate_instructions',
      'kitchen.yml:29:7 platforms[ubuntu-22.04].driver.pid_one_command',
    ])
    assert.match(result.unmapped.find((i) => i.key.endsWith('pid_one_command'))!.reason, 'PID 1')
  })
})

Dokken('--bootstrap turns dokken/debian-12 into debootstrap bookworm and keeps Ubuntu, saying why', () => {
  withProject(
    'dokken',
    {},
    (result) => {
      assert.equal(result.config.platforms, [
        {name: 'debian-12', image: {bootstrap: 'debootstrap', release: 'bookworm'}},
        {name: 'ubuntu-22.04', image: 'dokken/ubuntu-22.04'},
      ])
      assert.ok(result.notes.some((n) => n.key === 'platforms[ubuntu-22.04].driver.image' && /Ubuntu's mirror/.test(n.reason)))
      assert.equal((result.config.driver as {name: string}).name, 'docker')
    },
    true,
  )
})

Dokken('a cookbook project without cookbooks/ is told to vendor them with Berkshelf', () => {
  withProject('dokken', {}, (result) => {
    const note = result.notes.find((n) => /cookbooks_path/.test(n.reason))
    assert.ok(note)
    assert.match(note!.reason, 'berks vendor cookbooks')
  })
})

const Ansible = suite('import: kitchen-ansible')

Ansible('playbook, roles, extra vars per suite and idempotency map; install and SSH settings are reported', () => {
  withProject('ansible', {}, (result) => {
    assert.equal(result.config, {
      driver: {name: 'docker'},
      provisioner: {name: 'ansible', playbook: 'test/integration/default/default.yml', roles_path: 'roles', idempotence: true},
      verifier: {tests: [{name: 'shell verifier', run: 'py.test -v --hosts=docker://$KITCHEN_CONTAINER_ID test/integration/default/testinfra'}]},
      platforms: [
        {name: 'debian-12', image: 'debian:12'},
        {name: 'ubuntu-22.04', image: 'ubuntu:jammy'},
      ],
      suites: [
        {name: 'default', provisioner: {extra_vars: {site_name: 'demo'}}},
        // Kitchen merges the suite's extra_vars over the common ones.
        {name: 'tls', provisioner: {extra_vars: {site_name: 'secure', tls: true}}, includes: ['debian-12']},
      ],
    })
    assert.equal(places(result.unmapped), [
      'kitchen.yml:4:3 driver.hostname',
      'kitchen.yml:5:3 driver.forward',
      'kitchen.yml:10:3 provisioner.hosts',
      'kitchen.yml:11:3 provisioner.require_ansible_repo',
      'kitchen.yml:12:3 provisioner.require_ansible_omnibus',
      'kitchen.yml:13:3 provisioner.require_chef_for_busser',
      'kitchen.yml:14:3 provisioner.ansible_verbose',
      'kitchen.yml:15:3 provisioner.ansible_verbosity',
      'kitchen.yml:18:3 provisioner.requirements_path',
      'kitchen.yml:24:3 transport.max_ssh_sessions',
    ])
    // The shell verifier's command ran on the workstation in Kitchen: said, not hidden.
    assert.ok(result.notes.some((n) => n.key === 'verifier.command' && /workstation/.test(n.reason)))
  })
})

const Shell = suite('import: shell provisioner with ERB')

Shell('steps from hooks, data_path, the script with arguments; a shell verifier test', () => {
  withProject('shell', {}, (result) => {
    assert.equal(result.config, {
      driver: {name: 'docker', memory: '256m'},
      provisioner: {
        steps: [
          {name: 'pre_converge: echo pre > /tmp/pre-converge', run: 'echo pre > /tmp/pre-converge'},
          {name: 'data_path at /tmp/kitchen/data', run: 'mkdir -p /tmp/kitchen && ln -sfn "$PWD/test/fixtures/data" /tmp/kitchen/data'},
          {name: 'scripts/bootstrap.sh', run: 'chmod +x ./scripts/bootstrap.sh 2>/dev/null; ./scripts/bootstrap.sh --greeting hello'},
          {name: 'post_converge: touch /tmp/converged', run: 'touch /tmp/converged'},
        ],
      },
      verifier: {tests: [{name: 'shell verifier', run: 'test -f /tmp/converged && test -f /tmp/pre-converge && grep -q "hello from bootstrap" /etc/motd && grep -q "port=8080" /etc/app.conf'}]},
      platforms: [
        {name: 'busybox', image: 'busybox:1.36'},
        {name: 'debian-12', image: 'debian:12'},
      ],
      suites: [{name: 'default'}, {name: 'quiet', excludes: ['debian-12']}],
    })
  })
})

Shell('ERB is reported where it stands; an ENV lookup with a default gives the default', () => {
  withProject('shell', {}, (result) => {
    assert.equal(places(result.unmapped), [
      'kitchen.yml:11:3 provisioner.sudo',
      'kitchen.yml:12:3 provisioner.http_proxy',
      'kitchen.yml:17:7 lifecycle.pre_converge[1]',
      'kitchen.yml:21:7 lifecycle.post_destroy[0]',
      'kitchen.yml:24:3 transport.name',
      "kitchen.yml:44:1 <% if ENV['CI'] %>",
      'kitchen.yml:47:1 <% end %>',
    ])
    assert.match(result.unmapped[1].reason, "ERB <%= ENV['HTTP_PROXY'] %> is not evaluated")
    assert.match(result.unmapped[2].reason, 'on the workstation')
    const image = result.notes.find((n) => n.key === 'platforms[busybox].driver.image' && /ERB/.test(n.reason))
    assert.match(image!.reason, 'imported its default `busybox:1.36`')
  })
})

Shell('ERB loops and ERB names: entries named by ERB are left out and reported; a plugin name with a default is used', () => {
  const yml = `driver:
  name: <%= ENV['KITCHEN_DRIVER'] || 'docker' %>
provisioner: {name: shell, command: "true"}
platforms:
  - ubuntu-20.04
<% %w(11 12).each do |v| %>
  - name: debian-<%= v %>
<% end %>
  - name: centos-7
suites:
  - name: default
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    assert.equal(result.config.platforms, [{name: 'centos-7', image: 'centos:7'}])
    assert.equal(places(result.unmapped), [
      'kitchen.yml:5:5 platforms[0]',
      "kitchen.yml:6:1 <% %w(11 12).each do |v| %>",
      'kitchen.yml:7:5 platforms[1]',
      'kitchen.yml:7:5 platforms[1].name',
      'kitchen.yml:8:1 <% end %>',
    ])
    assert.ok(result.notes.some((n) => n.key === 'driver.name' && /imported its default `docker`/.test(n.reason)))
  })
})

Shell('the written galley.yml loads with the engine images on Docker', () => {
  withProject('shell', {}, (result, root) => {
    const config = load(result, root)
    assert.equal(config.instances.map((i) => i.name), ['default-busybox', 'default-debian-12', 'quiet-busybox'])
    const inst = config.instances[0]
    assert.equal(inst.platform.image, {ref: 'busybox:1.36'})
    assert.equal(inst.driver, {name: 'docker', memory: 256 * 1024 * 1024})
    assert.equal(inst.provisioner.steps.length, 4)
    assert.equal(inst.verifier.tests.map((t) => t.name), ['shell verifier'])
  })
})

Shell('--bootstrap: busybox and Debian platforms need no registry and load for LXC', () => {
  withProject(
    'shell',
    {},
    (result, root) => {
      assert.equal(result.config.platforms, [
        {name: 'busybox', image: {bootstrap: 'busybox'}},
        {name: 'debian-12', image: {bootstrap: 'debootstrap', release: 'bookworm'}},
      ])
      assert.not.ok('name' in (result.config.driver as object), 'no platform needs Docker, so the driver is left to auto')
      const config = load(result, root, 'lxc')
      assert.equal(config.instances[1].platform.image, {bootstrap: 'debootstrap', release: 'bookworm', variant: 'minbase', packages: []})
    },
    true,
  )
})

Shell('--driver names the engine in galley.yml, and lxc with engine images says they will not load', () => {
  withProject('shell', {}, (result) => assert.equal(result.config.driver, {name: 'lxc', memory: '256m'}), true, 'lxc')
  withProject(
    'shell',
    {},
    (result) => {
      assert.equal((result.config.driver as {name: string}).name, 'lxc')
      assert.ok(result.notes.some((n) => n.key === 'platforms' && /busybox:1.36, debian:12/.test(n.reason)))
    },
    false,
    'lxc',
  )
})

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

const Errors = suite('import: bad input')

Errors('invalid YAML is an error with file:line:col', () => {
  const root = makeProject({'kitchen.yml': 'driver:\n  name: docker\nplatforms:\n  - name: [debian\nsuites: []\n'})
  const cwd = process.cwd()
  process.chdir(root)
  try {
    importKitchen({file: path.join(root, 'kitchen.yml'), outDir: root})
    assert.unreachable('expected an error')
  } catch (error) {
    assert.instance(error, ConfigErrors)
    assert.match((error as ConfigErrors).errors[0].message, /^kitchen\.yml:\d+:\d+: invalid YAML/)
    assert.is((error as ConfigErrors).exitCode, 2)
  } finally {
    process.chdir(cwd)
    removeProject(root)
  }
})

Errors('a file that is not a mapping, or has no suites, is refused', () => {
  for (const [text, message] of [
    ['- a\n- b\n', 'must be a mapping'],
    ['platforms: [{name: debian-12}]\n', 'lists no suites'],
  ]) {
    const root = makeProject({'kitchen.yml': text})
    try {
      importKitchen({file: path.join(root, 'kitchen.yml'), outDir: root})
      assert.unreachable('expected an error')
    } catch (error) {
      assert.instance(error, ConfigError)
      assert.match((error as Error).message, message)
    } finally {
      removeProject(root)
    }
  }
})

const Helpers = suite('import: ERB masking and image names')

Helpers('ERB tags become placeholders or blanks and every line stays where it was', () => {
  const text = "a: <%= ENV['A'] %>\n<% if x %>\nb: 1\n<%# note\nspanning %>\nc: 2\n"
  const {text: masked, tags} = maskErb(text, 'k.yml')
  assert.is(masked.split('\n').length, text.split('\n').length)
  assert.is(masked.split('\n')[0], 'a: __ERB0__')
  assert.is(masked.split('\n')[5], 'c: 2')
  assert.equal(tags.map((t) => [t.kind, t.code, t.at.line, t.at.col]), [['output', "ENV['A']", 1, 4], ['control', 'if x', 2, 1]])
})

Helpers('platform names give the official image references', () => {
  assert.equal(
    ['ubuntu-22.04', 'debian-12', 'centos-7', 'rockylinux-9', 'amazonlinux-2', 'opensuse-leap-15.5', 'debian', 'mything-3-x'].map((n) => imageForPlatformName(n).ref),
    ['ubuntu:22.04', 'debian:12', 'centos:7', 'rockylinux:9', 'amazonlinux:2', 'opensuse/leap:15.5', 'debian', 'mything:3'],
  )
  assert.is(imageForPlatformName('mything-3').known, false)
})

const Loads = suite('import: what it writes, Galley loads')

Loads('every fixture imports into a galley.yml that the loader accepts, provisioners and verifiers included', () => {
  for (const fixture of ['docker-chef', 'ansible', 'shell']) {
    withProject(fixture, {}, (result, root) => {
      const config = load(result, root)
      assert.ok(config.instances.length > 0, fixture)
    })
  }
  // The dokken kitchen's cookbook is the repository itself: loadable once vendored into cookbooks/.
  withProject('dokken', {}, (result, root) => {
    mkdirSync(path.join(root, 'cookbooks'), {recursive: true})
    const config = load(result, root)
    assert.ok(config.instances.every((i) => i.provisioner.name === 'chef'))
  }, true)
})

for (const s of [DockerChef, Dokken, Ansible, Shell, Merging, Errors, Helpers, Loads]) s.run()
