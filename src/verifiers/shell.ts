/** The shell verifier: each test is a command or script that passes on its expected exit status (0 unless `exit_status:`). */
import type {ProvisionerSettings, VerifierSettings} from '../config/types.js'
import {inlineArgv, scriptArgv, type TaskCommand} from '../model.js'

export function shellTests(settings: VerifierSettings, provisioner: ProvisionerSettings): TaskCommand[] {
  return settings.tests.map((test) => ({
    kind: 'test',
    name: test.name,
    argv: test.script ? scriptArgv(test.script) : inlineArgv(test.run!),
    env: {...provisioner.env, ...settings.env, ...test.env},
    expected: test.exitStatus,
    command: test.run ?? test.script,
    ...(test.source ? {source: test.source} : {}),
    ...(test.timeout ? {timeout: test.timeout} : {}),
  }))
}
