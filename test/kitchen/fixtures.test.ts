import {mkdirSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {parse} from 'yaml'
import {load, places, withProject} from './import-project.js'

const DockerChef = suite('import: kitchen-docker with chef_zero')

DockerChef('maps run lists, attributes, images, run_command systemd and provision_command; excludes stay', () => {
  withProject('docker-chef', {}, (result) => {
    assert.equal(result.config, {
      driver: {name: 'docker'},
      provisioner: {name: 'chef', cookbooks_path: 'cookbooks'},
      platforms: [
        {name: 'ubuntu-22.04', image: 'ubuntu:22.04'},
        {name: 'debian-12', image: 'debian:12'},
        {name: 'centos-7', image: 'centos:7', init: 'systemd', provisioner: {steps: [{name: 'provision_command: yum install -y initscripts net-tools', run: 'yum install -y initscripts net-tools'}]}},
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
      'kitchen.yml:37:7 suites[default].verifier.inspec_tests',
    ])
    // privileged is dropped for the platforms that do not boot systemd, and not needed on cgroup v1 for the one that does.
    assert.match(result.unmapped.find((i) => i.key === 'driver.privileged')!.reason, 'does not boot systemd')
    assert.match(result.notes.find((i) => i.key === 'driver.privileged')!.reason, 'not needed')
    assert.ok(result.notes.some((n) => n.key === 'platforms[centos-7].driver.run_command' && /became init: systemd/.test(n.reason)))
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

Dokken('images, systemd as PID 1, env, idempotence and the run list map; dokken specifics are reported', () => {
  withProject('dokken', {}, (result) => {
    assert.equal(result.config, {
      driver: {name: 'docker'},
      provisioner: {name: 'chef', run_list: ['recipe[test::default]'], attributes: {timezone: 'UTC'}, idempotence: true, env: {CHEF_LICENSE: 'accept'}},
      verifier: {env: {CHEF_LICENSE: 'accept'}},
      platforms: [
        {name: 'debian-12', image: 'dokken/debian-12', init: 'systemd'},
        {name: 'ubuntu-22.04', image: 'dokken/ubuntu-22.04', init: 'systemd'},
      ],
      suites: [{name: 'default'}],
    })
    assert.equal(places(result.unmapped), [
      'kitchen.yml:4:3 driver.chef_version',
      'kitchen.yml:8:3 transport.name',
      'kitchen.yml:12:3 provisioner.deprecations_as_errors',
      'kitchen.yml:14:3 provisioner.multiple_converge',
      'kitchen.yml:17:3 verifier (suite default)',
      'kitchen.yml:24:7 platforms[debian-12].driver.intermediate_instructions',
    ])
    const note = (key: string) => result.notes.find((n) => n.key === key)?.reason ?? ''
    assert.match(note('platforms[debian-12].driver.pid_one_command'), 'became init: systemd')
    assert.match(note('platforms[ubuntu-22.04].driver.pid_one_command'), 'became init: systemd')
    assert.match(note('driver.privileged'), 'not needed: Galley boots the image\'s systemd unprivileged on this cgroup v1 host')
    for (const item of [...result.unmapped, ...result.notes]) assert.not.match(item.reason, /not supported|does not run privileged/, item.key)
  })
})

Dokken('on a cgroup v2 host privileged: true stays for systemd on Docker; with --driver lxc it is not needed', () => {
  withProject('dokken', {}, (result) => {
    assert.equal(result.config.driver, {name: 'docker', privileged: true})
    assert.match(result.notes.find((n) => n.key === 'driver.privileged')!.reason, 'became driver: {privileged: true}: on this cgroup v2 host')
  }, false, undefined, 2)
  withProject('dokken', {}, (result) => {
    assert.equal(result.config.driver, {name: 'lxc'})
    assert.match(result.notes.find((n) => n.key === 'driver.privileged')!.reason, 'not needed: LXC boots')
  }, true, 'lxc', 2)
})

Dokken('a PID 1 that is no init, and one a suite sets, are reported; privileged without systemd is not carried over', () => {
  const yml = `driver: {name: dokken, privileged: true}
provisioner: {name: shell, command: "true"}
platforms:
  - name: debian-12
    driver: {image: dokken/debian-12, pid_one_command: sleep infinity}
suites:
  - name: default
    driver: {pid_one_command: /sbin/init}
`
  withProject(undefined, {'kitchen.yml': yml}, (result) => {
    assert.equal(result.config.platforms, [{name: 'debian-12', image: 'dokken/debian-12'}])
    assert.equal(result.unmapped.map((i) => `${i.key}: ${i.reason.split(':')[0]}`), [
      'driver.privileged: not carried over',
      'platforms[debian-12].driver.pid_one_command: Galley runs its own PID 1 (a keep-alive loop, or the image\'s systemd with init',
      'suites[default].driver.pid_one_command: a suite cannot choose PID 1 in Galley',
    ])
    assert.equal(result.config.driver, {name: 'docker'})
  }, false, undefined, 2)
})

Dokken('--bootstrap turns dokken/debian-12 into debootstrap bookworm and keeps Ubuntu, saying why', () => {
  withProject(
    'dokken',
    {},
    (result) => {
      assert.equal(result.config.platforms, [
        {name: 'debian-12', image: {bootstrap: 'debootstrap', release: 'bookworm'}, init: 'systemd'},
        {name: 'ubuntu-22.04', image: 'dokken/ubuntu-22.04', init: 'systemd'},
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
      provisioner: {name: 'ansible', playbook: 'test/integration/default/default.yml', roles_path: 'roles', idempotence: true, requirements: 'requirements.yml'},
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
    mkdirSync(path.join(root, 'cookbooks', 'test', 'recipes'), {recursive: true})
    const config = load(result, root)
    assert.ok(config.instances.every((i) => i.provisioner.name === 'chef'))
  }, true)
})

for (const s of [DockerChef, Dokken, Ansible, Shell, Loads]) s.run()
