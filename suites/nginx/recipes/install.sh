#!/bin/sh
# Installs nginx and curl from Debian's packages.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends nginx curl
