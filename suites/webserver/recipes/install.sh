#!/bin/sh
# nginx, and the test tools the verifier runs: bats and pytest (no curl: the assertions need none).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends nginx bats python3-pytest
