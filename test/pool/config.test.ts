import {homedir} from 'node:os'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {loadConfig} from '../../src/config/load.js'
import {configErrorsOf} from '../fakes/config.js'
import {makeProject, removeProject} from '../fakes/project.js'

const REST = 'platforms: [{name: bb, image: {bootstrap: busybox}}]\nsuites: [{name: web}]\n'

const Hosts = suite('driver.hosts in galley.yml')

Hosts('an address, or a mapping with a name, capacity and TLS or SSH files (relative to the project, or ~)', () => {
  const root = makeProject({
    'galley.yml': `driver:
  name: docker
  hosts:
    - unix:///run/docker.sock
    - {name: docker2, host: unix:///run/galley-docker2.sock, capacity: 4}
    - {name: build1, host: 'tcp://build1:2376', tls: {cert_path: certs/build1}}
    - {name: build2, host: 'tcp://build2:2376', tls: {ca: certs/ca.pem, verify: false}}
    - {name: far, host: 'ssh://ci@far:2222', ssh: {identity: ~/.ssh/galley, known_hosts: keys/known_hosts}}
    - {context: remote, capacity: 2}
${REST}`,
  })
  try {
    const [inst] = loadConfig({cwd: root}).instances
    assert.equal(inst.driver.hosts, [
      {address: 'unix:///run/docker.sock'},
      {name: 'docker2', address: 'unix:///run/galley-docker2.sock', capacity: 4},
      {name: 'build1', address: 'tcp://build1:2376', tls: {ca: path.join(root, 'certs/build1/ca.pem'), cert: path.join(root, 'certs/build1/cert.pem'), key: path.join(root, 'certs/build1/key.pem'), verify: true}},
      {name: 'build2', address: 'tcp://build2:2376', tls: {ca: path.join(root, 'certs/ca.pem'), cert: undefined, key: undefined, verify: false}},
      {name: 'far', address: 'ssh://ci@far:2222', ssh: {identity: path.join(homedir(), '.ssh/galley'), knownHosts: path.join(root, 'keys/known_hosts')}},
      {context: 'remote', capacity: 2},
    ])
  } finally {
    removeProject(root)
  }
})

Hosts('refuses unreadable addresses, an engine listed twice, names that clash, and socket beside hosts', () => {
  const text = configErrorsOf({
    'galley.yml': `driver:
  name: docker
  socket: /run/docker.sock
  hosts:
    - http://build1:2375
    - unix:///run/a.sock
    - /run/a.sock
    - {name: x, host: 'tcp://h1:2375'}
    - {name: x, host: 'tcp://h2:2375'}
${REST}`,
  }).join('\n')
  assert.match(text, 'driver sets both `socket` (one engine) and `hosts` (a pool of engines)')
  assert.match(text, 'engine address `http://build1:2375` uses an unknown scheme')
  assert.match(text, 'engine `/run/a.sock` is listed twice in driver.hosts')
  assert.match(text, 'two engines of driver.hosts are named `x`')
})

Hosts('an entry has a host or a context, and a capacity of at least one', () => {
  const text = configErrorsOf({'galley.yml': `driver: {name: docker, hosts: [{name: y, host: 'tcp://h3:2375', context: c}, {name: z, host: 'tcp://h4:2375', capacity: 0}]}\n${REST}`}).join('\n')
  assert.match(text, 'must have exactly one of `host` or `context`, not both')
  assert.match(text, "capacity must be a whole number of at least 1")
})

Hosts.run()
