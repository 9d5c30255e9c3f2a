import {DockerDriver} from '../../drivers/docker/driver.js'
import {conformance} from './conformance.js'

// Podman's Docker-compatible socket, started by scripts/setup.sh (podman system service).
conformance('podman', async () => new DockerDriver({socket: process.env.GALLEY_PODMAN_SOCKET ?? '/run/podman/podman.sock'}))
