/** The shell verifier: each test is a command or script that passes on its expected exit status (0 unless `exit_status:`). */
import type {ProvisionerSettings, TestSpec, VerifierSettings} from '../config/types.js'
import {inlineArgv, PROJECT_DIR, scriptArgv, type TaskCommand} from '../model.js'
import {asUser} from './user.js'

/** The test's command, as root or as its user (a script is made executable by root first: the user may not own it). */
function testArgv(test: TestSpec): string[] {
  if (!test.user) return test.script ? scriptArgv(test.script) : inlineArgv(test.run!)
  if (!test.script) return asUser(test.user, inlineArgv(test.run!))
  const file = `${PROJECT_DIR}/${test.script.replace(/^\.\//, '')}`
  return ['/bin/sh', '-c', 'chmod +x "$1" 2>/dev/null; shift; exec "$@"', 'galley', file, ...asUser(test.user, [file])]
}

export function shellTests(settings: VerifierSettings, provisioner: ProvisionerSettings): TaskCommand[] {
  return settings.tests.map((test) => ({
    kind: 'test',
    name: test.name,
    argv: testArgv(test),
    env: {...provisioner.env, ...settings.env, ...test.env},
    expected: test.exitStatus,
    command: test.run ?? test.script,
    ...(test.source ? {source: test.source} : {}),
    ...(test.timeout ? {timeout: test.timeout} : {}),
  }))
}
