import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import type {Assertion} from '../../src/config/types.js'
import {parseHttpHead} from '../../src/verifiers/assert/http.js'
import {decodeAddress, parseSockets} from '../../src/verifiers/assert/port.js'
import {readAssertions} from '../../src/verifiers/assert/index.js'
import {batchScript, parseFacts} from '../../src/verifiers/assert/probe.js'
import {judge} from '../../src/verifiers/assert/run.js'

const a = (kind: string, target: string, expect: Record<string, unknown> = {}): Assertion => ({kind, target, name: `${kind} ${target}`, expect, retry: 0})
const facts = (o: Record<string, string>) => new Map(Object.entries(o))
const message = (assertion: Assertion, f: Record<string, string>) => judge(assertion, facts(f)).message

const Facts = suite('assert probe output')

Facts('facts are framed by a per-run marker, values byte for byte, each assertion apart; shared facts are read once', () => {
  const {marker, script} = batchScript([a('file', '/etc/motd'), a('port', '80'), a('port', '81')])
  assert.match(marker, /^@@galley-[0-9a-f]{12}$/)
  assert.match(script, /fact 0 probe\n/)
  assert.match(script, /fact 1 probe\n/)
  assert.is(script.match(/cat \/proc\/net\/tcp /g)?.length, 1)
  const out = `noise\n${marker} S tcp\n  0: 00000000:0050\n\n${marker} 0 probe\n\n${marker} 0 type\nfile\n${marker} 0 content\nline 1\nline 2\n\n${marker} 1 probe\n`
  const parsed = parseFacts(out, marker)
  assert.is(parsed[0].get('type'), 'file')
  assert.is(parsed[0].get('content'), 'line 1\nline 2\n')
  assert.is(parsed[1].get('tcp'), '  0: 00000000:0050\n')
  assert.is(parseFacts(out.slice(0, out.indexOf(`${marker} 1 probe`)), marker)[1], undefined)
})

Facts('a quote in a target cannot break out of the probe script', () => {
  const {script} = batchScript([a('file', "/tmp/it's here; rm -rf /")])
  assert.ok(script.includes(`p='/tmp/it'\\''s here; rm -rf /'`))
})

const Judge = suite('assert judging')

Judge('file: mode, owner, group and content, each with what was expected and found', () => {
  const stat = {type: 'file', stat: '600 33 33 www-data www-data\n', content: 'hello world\n'}
  assert.ok(judge(a('file', '/etc/motd', {mode: '0600', owner: 'www-data', group: 33, contains: ['hello', '/^hello w/']}), facts(stat)).ok)
  assert.is(message(a('file', '/etc/motd', {mode: 644}), stat), 'expected mode 0644, got 0600')
  assert.is(message(a('file', '/etc/motd', {owner: 'root', group: 0}), stat), 'expected owner root, got www-data (33); expected group 0, got www-data (33)')
  assert.is(message(a('file', '/etc/motd', {contains: 'bye'}), stat), 'expected content containing "bye", got "hello world"')
  assert.is(message(a('file', '/etc/motd'), {type: 'missing'}), 'expected file /etc/motd to exist, got no such file or directory')
  assert.is(message(a('file', '/srv'), {type: 'directory', stat: '755 0 0 root root'}), 'expected a file, got a directory')
  assert.is(message(a('directory', '/srv', {exists: false}), {type: 'directory'}), 'expected /srv not to exist, got a directory')
  assert.is(message(a('file', '/etc/motd', {mode: '4755'}), {type: 'file', stat: '4755 0 0 root root'}), undefined)
})

Judge('package: installed, absent, version exact or by prefix, and no package database', () => {
  const pkg = 'Package: nginx\nStatus: install ok installed\nVersion: 1.22.1-9\nPackage: nginx\nStatus: deinstall ok config-files\nVersion: 1.18.0-6\n'
  assert.ok(judge(a('package', 'nginx', {version: '1.22*'}), facts({db: 'dpkg', pkg})).ok)
  assert.is(message(a('package', 'nginx', {version: '1.18.0-6'}), {db: 'dpkg', pkg}), 'expected version 1.18.0-6, got 1.22.1-9')
  assert.is(message(a('package', 'nginx', {installed: false}), {db: 'dpkg', pkg}), 'expected package nginx not installed, got version 1.22.1-9 installed')
  assert.is(message(a('package', 'apache2'), {db: 'dpkg', pkg: ''}), 'expected package apache2 installed, got no package apache2 in the dpkg database')
  assert.is(message(a('package', 'old'), {db: 'dpkg', pkg: 'Package: old\nStatus: deinstall ok config-files\nVersion: 1\n'}), 'expected package old installed, got status "deinstall ok config-files"')
  assert.is(message(a('package', 'nginx'), {db: 'none'}), 'expected package nginx installed, got no package database (dpkg, apk or rpm) in the instance')
})

const PROCS = '1\t0\tsh\t/bin/sh -c sleep infinity\n40\t0\tnginx\tnginx: master process /usr/sbin/nginx\n41\t33\tnginx\tnginx: worker process\n77\t0\tvery-long-daemo\t/usr/sbin/very-long-daemon-name --foreground\n'
const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\ndeploy:x:1000:1000::/home/deploy:/bin/bash\n'
const GROUP = 'root:x:0:\nwww-data:x:33:deploy\ndeploy:x:1000:\nadm:x:4:\n'

Judge('service: systemd when it runs, else its init script, else a process by name', () => {
  assert.ok(judge(a('service', 'nginx.service'), facts({systemd: 'active\n', procs: ''})).ok)
  assert.is(message(a('service', 'nginx'), {systemd: 'inactive\n', procs: PROCS}), 'expected service nginx running, got stopped (systemctl is-active says inactive)')
  assert.ok(judge(a('service', 'nginx'), facts({init: 'sh', procs: PROCS})).ok)
  assert.ok(judge(a('service', 'cron'), facts({init: 'sh', initd: '0', procs: ''})).ok)
  assert.is(message(a('service', 'apache2'), {init: 'sh', initd: '3', procs: PROCS}), 'expected service apache2 running, got stopped (no process named apache2; /etc/init.d/apache2 status exited with 3; PID 1 is sh, not systemd)')
  assert.is(message(a('service', 'nginx', {running: false}), {init: 'sh', procs: PROCS}), 'expected service nginx stopped, got running (running as pid 40, 41)')
  // enabled: systemctl is-enabled under systemd, the rc?.d links otherwise; running is then checked only when asked.
  assert.ok(judge(a('service', 'hello', {enabled: true}), facts({init: 'systemd', systemd: 'inactive\n', enabled: 'enabled\nrc 0\n'})).ok)
  assert.is(message(a('service', 'hello', {enabled: true}), {init: 'systemd', enabled: 'static\nrc 0\n'}), 'expected service hello enabled, got disabled (systemctl is-enabled says static)')
  assert.is(message(a('service', 'hello', {enabled: true, running: true}), {init: 'systemd', systemd: 'inactive\n', enabled: 'rc 4\n'}), 'expected service hello running, got stopped (systemctl is-active says inactive); expected service hello enabled, got disabled (systemctl is-enabled says not-found)')
  assert.ok(judge(a('service', 'cron', {enabled: true}), facts({init: 'sh', rclinks: '/etc/rc2.d/S01cron\n'})).ok)
  assert.is(message(a('service', 'cron', {enabled: false}), {init: 'sh', rclinks: '/etc/rc2.d/S01cron\n'}), 'expected service cron disabled, got enabled (started from /etc/rc2.d/S01cron)')
  assert.is(message(a('service', 'cron', {enabled: true}), {init: 'sh', rclinks: ''}), 'expected service cron enabled, got disabled (no S link to it in /etc/rc2.d to /etc/rc5.d; PID 1 is sh, not systemd)')
})

Judge('process: by name (comm, argv0, names longer than the kernel keeps), /regex/ over the command line, and its user', () => {
  assert.ok(judge(a('process', 'nginx', {user: 'www-data'}), facts({procs: PROCS, passwd: PASSWD})).ok)
  assert.ok(judge(a('process', 'very-long-daemon-name'), facts({procs: PROCS, passwd: PASSWD})).ok)
  assert.ok(judge(a('process', '/worker process$/'), facts({procs: PROCS, passwd: PASSWD})).ok)
  assert.is(message(a('process', 'nginx', {user: 'deploy'}), {procs: PROCS, passwd: PASSWD}), 'expected process nginx running as deploy, got root, www-data')
  assert.is(message(a('process', 'httpd'), {procs: PROCS, passwd: PASSWD}), 'expected process httpd running, got no such process')
  assert.match(message(a('process', 'nginx', {running: false}), {procs: PROCS, passwd: PASSWD})!, /^expected no process nginx, got pid 40 "nginx: master process \/usr\/sbin\/nginx", pid 41/)
})

Judge('user and group: fields, memberships (primary and listed), absence', () => {
  const f = {passwd: PASSWD, group: GROUP}
  assert.ok(judge(a('user', 'deploy', {uid: 1000, gid: 1000, home: '/home/deploy', shell: '/bin/bash', groups: ['deploy', 'www-data']}), facts(f)).ok)
  assert.is(message(a('user', 'deploy', {shell: '/bin/sh', groups: ['adm']}), f), 'expected shell /bin/sh, got /bin/bash; expected user deploy in group adm, got groups www-data, deploy')
  assert.is(message(a('user', 'ghost'), f), 'expected user ghost to exist, got no such user in /etc/passwd')
  assert.is(message(a('user', 'root', {exists: false}), f), 'expected no user root, got uid 0')
  assert.ok(judge(a('group', 'www-data', {gid: 33, members: ['deploy', 'www-data']}), facts(f)).ok)
  assert.is(message(a('group', 'adm', {gid: 5, members: 'deploy'}), f), 'expected gid 5, got 4; expected member deploy, got members none')
  assert.is(message(a('group', 'wheel'), f), 'expected group wheel to exist, got no such group in /etc/group')
})

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0100007F:0050 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 100 0 0 10 0
`

Judge('port: /proc/net/tcp{,6} decoded: listening sockets, addresses, absence', () => {
  assert.is(decodeAddress('0100007F'), '127.0.0.1')
  assert.is(decodeAddress('00000000000000000000000001000000'), '::1')
  assert.equal(parseSockets(TCP, 'tcp').filter((s) => s.listening).map((s) => `${s.address}:${s.port}`), ['0.0.0.0:80', '127.0.0.1:8080', '::1:22'])
  assert.ok(judge(a('port', '22', {address: '::1'}), facts({tcp: TCP})).ok)
  assert.ok(judge(a('port', '8080', {address: '127.0.0.1'}), facts({tcp: TCP})).ok)
  assert.is(message(a('port', '443'), {tcp: TCP}), 'expected port 443/tcp listening, got nothing listening on it (listening: 22, 80, 8080)')
  assert.is(message(a('port', '80', {listening: false}), {tcp: TCP}), 'expected port 80/tcp not listening, got listening on 0.0.0.0')
  assert.is(message(a('port', '80', {address: '127.0.0.1'}), {tcp: TCP}), 'expected port 80/tcp listening on 127.0.0.1, got 0.0.0.0')
  // An established connection from port 53210 is not a listener.
  assert.is(message(a('port', '53744'), {tcp: TCP}), 'expected port 53744/tcp listening, got nothing listening on it (listening: 22, 80, 8080)')
  const udp = '   5: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 9 2 0000000000000000 0\n'
  assert.ok(judge(a('port', '53', {protocol: 'udp'}), facts({udp})).ok)
})

Judge('command: exit status and output, matched by text or /regex/', () => {
  const f = {status: '0', stdout: 'nginx version: 1.22\n', stderr: ''}
  assert.ok(judge(a('command', 'nginx -v', {stdout: ['version', '/^nginx version: 1\\.\\d+/']}), facts(f)).ok)
  assert.is(message(a('command', 'false', {exit_status: 2, stderr: 'oops'}), {status: '1', stdout: '', stderr: ''}), 'expected exit status 2, got 1; expected stderr containing "oops", got nothing')
})

Judge('http: status, body, headers from curl, wget or a raw response', () => {
  assert.equal(parseHttpHead('HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\nHTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n').status, 200)
  const wget = 'Connecting to 127.0.0.1 (127.0.0.1:80)\n  HTTP/1.1 404 Not Found\n  Server: busybox\nwget: server returned error: HTTP/1.1 404 Not Found\n'
  assert.equal([...parseHttpHead(wget).headers], [['server', 'busybox']])
  assert.ok(judge(a('http', 'http://x/', {status: 404}), facts({via: 'wget', head: wget})).ok)
  const raw = 'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nX-Served-By: galley\r\n\r\n<h1>Welcome</h1>\n'
  assert.ok(judge(a('http', 'http://x/', {body: 'Welcome', headers: {'x-served-by': 'galley', Server: '/^nginx/'}}), facts({via: 'bash', raw})).ok)
  assert.is(message(a('http', 'http://x/', {status: 201, body: 'Bye', headers: {'X-Frame-Options': 'DENY'}}), {via: 'bash', raw}), 'expected status 201, got 200; expected body containing "Bye", got "<h1>Welcome</h1>"; expected header X-Frame-Options containing "DENY", got no such header')
  assert.is(message(a('http', 'http://x:81/'), {via: 'bash', raw: '', error: "bash: galley: line 1: connect: Connection refused\n"}), 'expected status 200, got no response (bash: connect: Connection refused)')
  assert.is(message(a('http', 'https://x/'), {via: 'none'}), 'expected status 200, got no request made: no curl or wget in the instance for an https URL')
})

Judge('kernel-param and mount', () => {
  assert.ok(judge(a('kernel-param', 'net.ipv4.ip_forward', {value: 1}), facts({value: '1\n'})).ok)
  assert.ok(judge(a('kernel-param', 'net.ipv4.ip_local_port_range', {value: '32768 60999'}), facts({value: '32768\t60999\n'})).ok)
  assert.is(message(a('kernel-param', 'net.ipv4.ip_forward', {value: 1}), {value: '0\n'}), 'expected value 1, got 0')
  assert.is(message(a('kernel-param', 'kernel.nope'), {}), 'expected kernel parameter kernel.nope, got no such parameter under /proc/sys')
  const mounts = 'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n/dev/sda1 /srv/my\\040data ext4 ro,relatime 0 0\n'
  assert.ok(judge(a('mount', '/srv/my data/', {type: 'ext4', source: '/dev/sda1', options: ['ro']}), facts({mounts})).ok)
  assert.is(message(a('mount', '/proc', {type: 'ext4', options: ['ro', 'nosuid']}), {mounts}), 'expected type ext4, got proc; expected options ro, got rw,nosuid,nodev,noexec,relatime')
  assert.is(message(a('mount', '/mnt'), {mounts}), 'expected a mount on /mnt, got none')
})

const Names = suite('assert default names')

Names('entries on different resources keep `<kind> <target>`; two on one resource are told apart by what they expect', () => {
  const names = (entries: Record<string, unknown>[]) => readAssertions(entries).map((a) => a.name)
  assert.equal(names([{file: '/etc/motd'}, {service: 'nginx', running: true}, {port: 80}]), ['file /etc/motd', 'service nginx', 'port 80'])
  assert.equal(names([{file: '/etc/motd', contains: 'welcome'}, {file: '/etc/motd', mode: 644, owner: 'root'}, {service: 'nginx'}]), [
    'file /etc/motd contains welcome',
    'file /etc/motd mode 0644, owner root',
    'service nginx',
  ])
  assert.equal(names([{service: 'nginx', running: true}, {service: 'nginx', enabled: false}]), ['service nginx running', 'service nginx not enabled'])
  assert.equal(names([{file: '/etc/motd', contains: ['hello', '/^bye$/']}, {file: '/etc/motd'}]), ['file /etc/motd contains hello and /^bye$/', 'file /etc/motd'])
  assert.equal(names([{http: 'http://localhost/', headers: {'Content-Type': 'text/html'}}, {http: 'http://localhost/', body: 'x'.repeat(60)}]), [
    'http http://localhost/ headers Content-Type=text/html',
    `http http://localhost/ body ${'x'.repeat(39)}…`,
  ])
})

Names('a written name is kept; a default one that still repeats is numbered', () => {
  const names = (entries: Record<string, unknown>[]) => readAssertions(entries).map((a) => a.name)
  assert.equal(names([{file: '/etc/motd', name: 'motd'}, {file: '/etc/motd', mode: '0600'}]), ['motd', 'file /etc/motd'])
  assert.equal(names([{file: '/etc/motd', name: 'file /etc/motd'}, {file: '/etc/motd', mode: '0600'}]), ['file /etc/motd', 'file /etc/motd mode 0600'])
  assert.equal(names([{port: 80}, {port: 80}, {port: 80, listening: true}]), ['port 80', 'port 80 (2)', 'port 80 listening'])
})

Facts.run()
Judge.run()
Names.run()
