import {cpSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {readJunit, type ParsedSuite} from '../fakes/junit.js'
import {makeProject, removeProject} from '../fakes/project.js'
import {galley, leftovers, repo} from './cli.js'

/** Each failed case's message, by case name. */
const failures = (s: ParsedSuite) => Object.fromEntries(s.cases.filter((c) => c.failure).map((c) => [c.name, c.failure!.message]))

// A busybox instance with a file, a directory, a user in a group, and httpd started two seconds
// after converge ends, so the checks of its port, process and page must wait for it.
const BUSYBOX = `driver: {name: lxc, memory: 128M, pids: 200}
platforms:
  - name: bb
    image: {bootstrap: busybox}
suites:
  - name: checks
    provisioner:
      steps:
        - run: |
            echo 'hello from galley' > /etc/motd && chmod 0640 /etc/motd
            mkdir -p /srv/www && echo '<h1>Welcome</h1>' > /srv/www/index.html
            echo 'web:x:1000:1000:web:/srv/www:/bin/sh' >> /etc/passwd
            echo 'web:x:1000:' >> /etc/group && echo 'staff:x:50:web' >> /etc/group
            chown 1000:50 /srv/www && chmod 2775 /srv/www
        - run: (sleep 2; httpd -p 80 -h /srv/www) </dev/null >/dev/null 2>&1 &
    verifier:
      assert:
`
const MATCHING = `        - {file: /etc/motd, contains: [hello, /^hello from/], mode: "0640", owner: root, group: 0}
        - {directory: /srv/www, owner: web, group: staff, mode: "2775"}
        - {user: web, uid: 1000, gid: 1000, home: /srv/www, shell: /bin/sh, groups: [staff]}
        - {group: staff, gid: 50, members: [web]}
        - {port: 80, timeout: 20s}
        - {port: 8080, listening: false}
        - {process: httpd, user: root, timeout: 20s}
        - {service: httpd, timeout: 20s}
        - {command: "echo out; echo err >&2; exit 3", exit_status: 3, stdout: out, stderr: /^err$/}
        - {name: home page, http: "http://127.0.0.1/", body: Welcome, timeout: 20s}
        - {http: "http://127.0.0.1/nope", status: 404, timeout: 20s}
        - {kernel-param: kernel.ostype, value: Linux}
        - {mount: /proc, type: proc, options: [rw]}
`
const MISMATCHING = `        - {file: /etc/motd, contains: bye, mode: "0644", owner: web}
        - {directory: /etc/motd}
        - {user: web, shell: /bin/bash, groups: [wheel]}
        - {group: staff, gid: 51}
        - {port: 81, retry: 1}
        - {port: 80, listening: false}
        - {process: nginx}
        - {service: nginx}
        - {command: "echo out", exit_status: 1, stdout: nope}
        - {http: "http://127.0.0.1/", status: 201, body: Bye}
        - {http: "http://127.0.0.1:81/"}
        - {kernel-param: kernel.ostype, value: Plan9}
        - {mount: /srv/www}
        - {package: busybox}
      bats: [tests/web.bats]
      junit:
        - name: report writer
          run: printf '<testsuites><testsuite name="x"><testcase classname="shell" name="writes"/><testcase classname="shell" name="breaks"><failure message="it broke">details</failure></testcase></testsuite></testsuites>' > /tmp/r.xml
          report: /tmp/r.xml
        - {name: no report, run: "true", report: /tmp/none.xml}
`

const Busybox = suite('assert, bats and junit verifiers on busybox')

Busybox('LXC: every check that busybox can satisfy passes, waiting for the late server, and mismatches say what was expected and found', async () => {
  const root = makeProject({'galley.yml': BUSYBOX + MATCHING, 'tests/web.bats': '@test "never runs here" { true; }\n'})
  try {
    const converge = galley(root, 'converge')
    assert.is(converge.code, 0, converge.stdout + converge.stderr)
    const r = galley(root, 'verify', '--junit', 'pass.xml', '--tap', 'pass.tap', '--json', 'pass.json')
    assert.is(r.code, 0, r.stdout + r.stderr)
    const s = readJunit(path.join(root, 'pass.xml')).suites[0]
    assert.equal([s.name, s.tests, s.failures, s.skipped], ['checks-bb', 13, 0, 0])
    assert.equal(s.cases.map((c) => c.name).sort(), [
      'command echo out; echo err >&2; exit 3',
      'directory /srv/www',
      'file /etc/motd',
      'group staff',
      'home page',
      'http http://127.0.0.1/nope',
      'kernel-param kernel.ostype',
      'mount /proc',
      'port 80',
      'port 8080',
      'process httpd',
      'service httpd',
      'user web',
    ])
    assert.ok(s.cases.every((c) => c.classname === 'checks-bb.verify'))
    const tap = readFileSync(path.join(root, 'pass.tap'), 'utf8')
    assert.match(tap, /^TAP version 13\n1\.\.13\n/)
    assert.not.match(tap, /not ok/)
    const json = JSON.parse(readFileSync(path.join(root, 'pass.json'), 'utf8'))
    assert.equal(json.summary, {instances: 1, passed: 1, failed: 0, errors: 0, tests: 13, testsFailed: 0, testsSkipped: 0})

    writeFileSync(path.join(root, 'galley.yml'), BUSYBOX + MISMATCHING)
    const bad = galley(root, 'verify', '--junit', 'fail.xml', '--tap', 'fail.tap')
    assert.is(bad.code, 1, bad.stdout + bad.stderr)
    const f = readJunit(path.join(root, 'fail.xml')).suites[0]
    assert.equal(failures(f), {
      'file /etc/motd': 'expected mode 0644, got 0640; expected owner web, got root (0); expected content containing "bye", got "hello from galley"',
      'directory /etc/motd': 'expected a directory, got a file',
      'user web': 'expected shell /bin/bash, got /bin/sh; expected user web in group wheel, got groups web, staff',
      'group staff': 'expected gid 51, got 50',
      'port 81': 'expected port 81/tcp listening, got nothing listening on it (listening: 80)',
      'port 80': 'expected port 80/tcp not listening, got listening on ::',
      'process nginx': 'expected process nginx running, got no such process',
      'service nginx': 'expected service nginx running, got stopped (no process named nginx; PID 1 is sh, not systemd)',
      'command echo out': 'expected exit status 1, got 0; expected stdout containing "nope", got "out"',
      'http http://127.0.0.1/': 'expected status 201, got 200; expected body containing "Bye", got "<h1>Welcome</h1>"',
      'http http://127.0.0.1:81/': 'expected status 200, got no response (wget: wget: can\'t connect to remote host (127.0.0.1): Connection refused)',
      'kernel-param kernel.ostype': 'expected value Plan9, got Linux',
      'mount /srv/www': 'expected a mount on /srv/www, got none',
      'package busybox': 'expected package busybox installed, got no package database (dpkg, apk or rpm) in the instance',
      'bats tests/web.bats': 'bats is not installed in the instance, and it has no apt-get to install it with: install bats in a converge step',
      breaks: 'it broke',
      'no report': 'wrote no report at /tmp/none.xml (the command exited with 0)',
    })
    // The ingested report's cases sit under the instance, with their own class names.
    assert.equal(f.cases.filter((c) => c.name === 'writes' || c.name === 'breaks').map((c) => [c.classname, c.name, Boolean(c.failure)]), [
      ['checks-bb.verify.shell', 'writes', false],
      ['checks-bb.verify.shell', 'breaks', true],
    ])
    assert.match(bad.stdout, /17 of 18 tests failed; first: file \/etc\/motd: expected mode 0644, got 0640/, bad.stdout)
    const failTap = readFileSync(path.join(root, 'fail.tap'), 'utf8')
    assert.match(failTap, /^TAP version 13\n1\.\.18\nnot ok 1 - checks-bb verify file \/etc\/motd\n {2}---\n {2}message: expected mode 0644, got 0640; /, failTap)
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Busybox('Docker: the same checks pass through the Docker driver', async () => {
  const root = makeProject({'galley.yml': BUSYBOX + MATCHING})
  try {
    const r = galley(root, 'test', '--driver', 'docker')
    assert.is(r.code, 0, r.stdout + r.stderr)
    const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
    assert.equal([s.name, s.tests, s.failures, s.properties.driver], ['checks-bb', 15, 0, 'docker'])
  } finally {
    galley(root, 'destroy', '--driver', 'docker')
    assert.equal(await leftovers(root, 'docker'), [])
    removeProject(root)
  }
})

Busybox.run()

const Debian = suite('suites/webserver: assert, bats and pytest on Debian')

Debian('LXC: every assertion, the bats file and pytest pass, each case under the instance in JUnit, TAP and JSON', async () => {
  const root = path.join(repo, 'suites', 'webserver')
  rmSync(path.join(root, '.galley'), {recursive: true, force: true})
  try {
    const r = galley(root, 'test', '--tap', '.galley/report.tap', '--json', '.galley/report.json')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
    assert.equal([s.name, s.failures, s.errors, s.skipped], ['web-debian-12', 0, 0, 0])
    const verify = s.cases.filter((c) => c.classname.startsWith('web-debian-12.verify'))
    assert.equal(verify.filter((c) => c.classname === 'web-debian-12.verify').length, 14)
    assert.equal(verify.filter((c) => c.classname === 'web-debian-12.verify.tests/site.bats').map((c) => c.name), ['the home page names the site', 'nginx accepts its configuration', 'the deploy user can publish a page'])
    assert.equal(verify.filter((c) => c.classname === 'web-debian-12.verify.tests.test_site').map((c) => c.name), ['test_home_page_names_the_site', 'test_missing_page_is_404', 'test_deploy_is_in_www_data'])
    const tap = readFileSync(path.join(root, '.galley', 'report.tap'), 'utf8')
    assert.match(tap, /^TAP version 13\n1\.\.22\n/)
    assert.match(tap, /\nok 17 - web-debian-12 verify tests\/site\.bats: the home page names the site\n/)
    const json = JSON.parse(readFileSync(path.join(root, '.galley', 'report.json'), 'utf8'))
    assert.equal([json.summary.tests, json.summary.testsFailed, json.instances[0].tests.at(-1).group], [20, 0, 'tests.test_site'])
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
  }
})

Debian('Docker: the same suite passes, bats and pytest cases under the instance', async () => {
  const root = path.join(repo, 'suites', 'webserver')
  try {
    const r = galley(root, 'test', '--driver', 'docker')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
    assert.equal([s.name, s.tests, s.failures, s.properties.driver], ['web-debian-12', 22, 0, 'docker'])
    assert.is(s.cases.filter((c) => c.classname === 'web-debian-12.verify.tests/site.bats' || c.classname === 'web-debian-12.verify.tests.test_site').length, 6)
  } finally {
    galley(root, 'destroy', '--driver', 'docker')
    assert.equal(await leftovers(root, 'docker'), [])
  }
})

Debian('LXC: on the same server, package, service and HTTP mismatches say what was expected and found', async () => {
  const root = makeProject({})
  cpSync(path.join(repo, 'suites', 'webserver'), root, {recursive: true, filter: (src) => !src.includes('.galley')})
  const yml = readFileSync(path.join(root, 'galley.yml'), 'utf8').replace(/ {6}assert:[^]*$/, `      assert:
        - { package: nginx, version: "1.18*" }
        - { package: apache2 }
        - { service: nginx, running: false }
        - { service: apache2 }
        - { process: nginx, user: deploy }
        - { http: "http://127.0.0.1/", headers: { X-Served-By: apache } }
        - { http: "http://127.0.0.1/", status: 404 }
`)
  writeFileSync(path.join(root, 'galley.yml'), yml)
  try {
    const r = galley(root, 'test', '--destroy', 'always')
    assert.is(r.code, 1, r.stdout.slice(-4000) + r.stderr)
    const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
    const got = failures(s)
    assert.match(got['package nginx'], /^expected version 1\.18\*, got 1\.22\.1-9/)
    assert.is(got['package apache2'], 'expected package apache2 installed, got no package apache2 in the dpkg database')
    assert.match(got['service nginx'], /^expected service nginx stopped, got running \(/)
    assert.is(got['service apache2'], 'expected service apache2 running, got stopped (no process named apache2; PID 1 is sh, not systemd)')
    assert.is(got['process nginx'], 'expected process nginx running as deploy, got root, www-data')
    // Debian minbase has neither curl nor wget: the request goes through bash's /dev/tcp.
    // Two checks of one URL are told apart by what each expects.
    assert.is(got['http http://127.0.0.1/ headers X-Served-By=apache'], 'expected header X-Served-By containing "apache", got "galley"')
    assert.is(got['http http://127.0.0.1/ status 404'], 'expected status 404, got 200')
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Debian('LXC: bats missing on Debian is installed with apt-get, said so, and its skip is a skipped case', async () => {
  const root = makeProject({
    'galley.yml': `driver: {name: lxc}
platforms:
  - name: debian-12
    image: { bootstrap: debootstrap, release: bookworm, packages: [ca-certificates] }
suites:
  - name: plain
    verifier:
      bats: [t.bats]
`,
    't.bats': '@test "bash runs" {\n  run bash -c "echo hi"\n  [ "$output" = hi ]\n}\n\n@test "needs a network card" {\n  skip "no card here"\n}\n',
  })
  try {
    const r = galley(root, 'test')
    assert.is(r.code, 0, r.stdout.slice(-4000) + r.stderr)
    assert.match(r.stdout, /bats is not installed in the instance: installing Debian's bats package with apt-get/)
    const s = readJunit(path.join(root, '.galley', 'junit.xml')).suites[0]
    assert.equal(s.cases.map((c) => [c.classname, c.name, c.skipped]), [
      ['plain-debian-12.verify.t.bats', 'bash runs', false],
      ['plain-debian-12.verify.t.bats', 'needs a network card', true],
    ])
  } finally {
    galley(root, 'destroy')
    assert.equal(await leftovers(root), [])
    removeProject(root)
  }
})

Debian.run()
