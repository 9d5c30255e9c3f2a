import {suite} from 'uvu'
import * as assert from 'uvu/assert'
import {findMoleculeProject} from '../../src/molecule/read.js'
import {makeProject, removeProject} from '../fakes/project.js'

const Find = suite('finding Molecule scenarios')

Find('a folder of files (a kitchen project) holds no scenario, and looking is no error', () => {
  const root = makeProject({'kitchen.yml': 'platforms: []\n', 'scripts/bootstrap.sh': 'true\n'})
  try {
    assert.is(findMoleculeProject(root), undefined)
  } finally {
    removeProject(root)
  }
})

Find('a role folder with molecule/<scenario>/molecule.yml is found, scenarios by folder', () => {
  const root = makeProject({'tasks/main.yml': '- debug: {msg: hi}\n', 'molecule/default/molecule.yml': 'driver: {name: docker}\n', 'molecule/default/converge.yml': '- hosts: all\n'})
  try {
    assert.equal(findMoleculeProject(root)?.scenarioDirs.map((d) => d.slice(root.length)), ['/molecule/default'])
  } finally {
    removeProject(root)
  }
})

Find.run()
