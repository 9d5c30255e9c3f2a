#!/bin/sh
# The page comes from the role's template, with the playbook's extra_vars in it.
set -eu
page=$(curl -fsS http://127.0.0.1/)
echo "$page" | grep -q "galley-ansible is served by nginx on $GALLEY_INSTANCE"
curl -fsSI http://127.0.0.1/ | grep -qi '^X-Configured-By: ansible'
