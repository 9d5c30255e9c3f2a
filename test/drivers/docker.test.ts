import {DockerDriver} from '../../drivers/docker/driver.js'
import {conformance} from './conformance.js'

conformance('docker', async () => new DockerDriver())
