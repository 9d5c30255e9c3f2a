#!/bin/sh
# The recipe's user exists and the motd names the host.
set -eu
id greeter
grep -q "Welcome to $(hostname)" /etc/motd
