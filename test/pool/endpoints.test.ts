import {createHash} from 'node:crypto'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {defaultEndpoint, resolveHost} from '../../drivers/docker/context.js'
import {BadEndpoint, describeEndpoint, formatAddress, parseAddress} from '../../drivers/docker/endpoint.js'
import {sshArgs} from '../../drivers/docker/ssh.js'
import {makeProject, removeProject} from '../fakes/project.js'

const Addresses = suite('engine addresses')

Addresses('reads each form and writes it back the same', () => {
  const forms: [string, string][] = [
    ['/run/docker.sock', '/run/docker.sock'],
    ['unix:///run/podman/podman.sock', '/run/podman/podman.sock'],
    ['tcp://build1:2375', 'tcp://build1:2375'],
    ['tcp://build1', 'tcp://build1:2375'],
    ['tcp://10.0.0.5:2376?tls=verify&ca=/certs/ca.pem&cert=/certs/cert.pem&key=/certs/key.pem', 'tcp://10.0.0.5:2376?tls=verify&ca=%2Fcerts%2Fca.pem&cert=%2Fcerts%2Fcert.pem&key=%2Fcerts%2Fkey.pem'],
    ['tcp://build1?tls=on', 'tcp://build1:2376?tls=on'],
    ['ssh://root@build2', 'ssh://root@build2:22'],
    ['ssh://ci@127.0.0.1:2222?identity=/keys/id&known_hosts=/keys/known', 'ssh://ci@127.0.0.1:2222?identity=%2Fkeys%2Fid&known_hosts=%2Fkeys%2Fknown'],
  ]
  for (const [written, canonical] of forms) {
    const endpoint = parseAddress(written)
    assert.is(formatAddress(endpoint), canonical, written)
    assert.equal(parseAddress(formatAddress(endpoint)), endpoint, `${written} round trip`)
  }
})

Addresses('says where an engine is without the files it names', () => {
  assert.is(describeEndpoint(parseAddress('tcp://h:2376?tls=verify&ca=/x/ca.pem')), 'tcp://h:2376 (TLS)')
  assert.is(describeEndpoint(parseAddress('ssh://root@h:2222?identity=/k/id')), 'ssh://root@h:2222')
  assert.is(describeEndpoint(parseAddress('unix:///run/docker.sock')), '/run/docker.sock')
})

Addresses('refuses what is not an engine address, saying what is', () => {
  for (const bad of ['http://h:2375', 'unix://relative.sock', 'build1:2375', 'tcp://', '']) {
    try {
      parseAddress(bad)
      assert.unreachable(`${bad} was accepted`)
    } catch (error) {
      assert.instance(error, BadEndpoint, bad)
      assert.match((error as BadEndpoint).hint ?? '', 'ssh://USER@HOST')
    }
  }
})

Addresses('ssh runs in batch mode, with the key, port, user and known hosts asked for', () => {
  const args = sshArgs({kind: 'ssh', host: 'h', port: 2222, user: 'ci', identity: '/k/id', knownHosts: '/k/known'})
  const at = (flag: string) => args[args.indexOf(flag) + 1]
  assert.is(at('-p'), '2222')
  assert.is(at('-l'), 'ci')
  assert.is(at('-i'), '/k/id')
  assert.ok(args.includes('BatchMode=yes'), 'never asks for a password on a terminal')
  assert.ok(args.includes('UserKnownHostsFile=/k/known'))
  assert.equal(args.slice(-2), ['--', 'h'])
})

const Contexts = suite('which engine the docker command would use')

/** A DOCKER_CONFIG folder with contexts (name → endpoint, TLS files) and a current one. */
function dockerConfig(contexts: Record<string, {host: string; skipVerify?: boolean; tls?: boolean}>, current?: string): string {
  const dir = makeProject({})
  for (const [name, c] of Object.entries(contexts)) {
    const id = createHash('sha256').update(name).digest('hex')
    mkdirSync(path.join(dir, 'contexts', 'meta', id), {recursive: true})
    writeFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({Name: name, Metadata: {}, Endpoints: {docker: {Host: c.host, SkipTLSVerify: c.skipVerify ?? false}}}))
    if (c.tls) {
      mkdirSync(path.join(dir, 'contexts', 'tls', id, 'docker'), {recursive: true})
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, 'contexts', 'tls', id, 'docker', f), 'pem')
    }
  }
  if (current) writeFileSync(path.join(dir, 'config.json'), JSON.stringify({auths: {}, currentContext: current}))
  return dir
}

Contexts('nothing set: the default socket', () => {
  const dir = dockerConfig({})
  try {
    assert.equal(defaultEndpoint({DOCKER_CONFIG: dir}), {endpoint: {kind: 'unix', path: '/var/run/docker.sock'}, name: '/var/run/docker.sock'})
  } finally {
    removeProject(dir)
  }
})

Contexts('DOCKER_HOST wins over any context; DOCKER_TLS_VERIFY and DOCKER_CERT_PATH add TLS', () => {
  const dir = dockerConfig({remote: {host: 'ssh://root@remote'}}, 'remote')
  try {
    const env = {DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'remote', DOCKER_HOST: 'tcp://build1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs'}
    assert.equal(defaultEndpoint(env).endpoint, {kind: 'tcp', host: 'build1', port: 2376, tls: {ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem', verify: true}})
    assert.equal(defaultEndpoint({DOCKER_HOST: 'tcp://build1:2375'}).endpoint, {kind: 'tcp', host: 'build1', port: 2375}, 'no TLS variables: plain TCP')
    assert.is((defaultEndpoint({DOCKER_HOST: 'tcp://b:2376', DOCKER_TLS: '1', DOCKER_CERT_PATH: '/c'}).endpoint as {tls: {verify: boolean}}).tls.verify, false, 'DOCKER_TLS alone: TLS unverified')
  } finally {
    removeProject(dir)
  }
})

Contexts('DOCKER_CONTEXT, else the current context of config.json, with its TLS files', () => {
  const dir = dockerConfig({remote: {host: 'ssh://root@remote:2222'}, secure: {host: 'tcp://10.0.0.9:2376', tls: true, skipVerify: true}}, 'secure')
  try {
    assert.equal(defaultEndpoint({DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'remote'}), {endpoint: {kind: 'ssh', host: 'remote', port: 2222, user: 'root'}, name: 'remote'})
    const tls = path.join(dir, 'contexts', 'tls', createHash('sha256').update('secure').digest('hex'), 'docker')
    assert.equal(defaultEndpoint({DOCKER_CONFIG: dir}), {
      endpoint: {kind: 'tcp', host: '10.0.0.9', port: 2376, tls: {ca: path.join(tls, 'ca.pem'), cert: path.join(tls, 'cert.pem'), key: path.join(tls, 'key.pem'), verify: false}},
      name: 'secure',
    })
    assert.equal(defaultEndpoint({DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'default'}).endpoint, {kind: 'unix', path: '/var/run/docker.sock'}, '`default` is DOCKER_HOST or the socket')
  } finally {
    removeProject(dir)
  }
})

Contexts('a context that is not there is named, with how to list the others', () => {
  const dir = dockerConfig({})
  try {
    defaultEndpoint({DOCKER_CONFIG: dir, DOCKER_CONTEXT: 'gone'})
    assert.unreachable('a missing context was accepted')
  } catch (error) {
    assert.instance(error, BadEndpoint)
    assert.match((error as BadEndpoint).message, 'there is no Docker context `gone`')
    assert.match((error as BadEndpoint).hint ?? '', 'docker context ls')
  } finally {
    removeProject(dir)
  }
})

Contexts("a pool entry: its address or context, with the entry's TLS or SSH settings and name", () => {
  const dir = dockerConfig({remote: {host: 'ssh://root@remote'}})
  try {
    const env = {DOCKER_CONFIG: dir}
    assert.equal(resolveHost({context: 'remote', ssh: {identity: '/k/id'}}, env), {endpoint: {kind: 'ssh', host: 'remote', port: 22, user: 'root', identity: '/k/id'}, name: 'remote'})
    assert.equal(resolveHost({name: 'b1', address: 'tcp://b1:2376', tls: {ca: '/c/ca.pem', verify: true}}, env), {endpoint: {kind: 'tcp', host: 'b1', port: 2376, tls: {ca: '/c/ca.pem', verify: true}}, name: 'b1'})
    assert.is(resolveHost({address: 'unix:///run/galley-docker2.sock'}, env).name, '/run/galley-docker2.sock', 'unnamed: called by where it is')
  } finally {
    removeProject(dir)
  }
})

Addresses.run()
Contexts.run()
