#!/bin/sh
# Writes a message of the day and adds a user to read it.
set -eu
echo "Welcome to $(hostname)" > /etc/motd
if ! grep -q '^greeter:' /etc/passwd; then
  echo 'greeter:x:1000:1000:greeter:/home/greeter:/bin/sh' >> /etc/passwd
  echo 'greeter:x:1000:' >> /etc/group
  mkdir -p /home/greeter && chown 1000:1000 /home/greeter
fi
echo "motd written by $(id -un)"
