#!/bin/sh
# The template got the class parameters from manifests/site.pp.
set -eu
grep -qx 'user = deploy' /home/deploy/app.conf
grep -qx 'workers = 4' /home/deploy/app.conf
