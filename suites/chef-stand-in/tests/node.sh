#!/bin/sh
# The stand-in kept the node JSON it was given: the run list and the attributes are in it.
set -eu
grep -q '"run_list":\["recipe\[motd\]","recipe\[motd::dirs\]"\]' /var/lib/chef-stand-in/node.json
grep -q '"message":"hello from chef"' /var/lib/chef-stand-in/node.json
