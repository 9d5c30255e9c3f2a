#!/bin/sh
# The page comes back on port 80 with the site's name and the header the site sets.
set -eu
body=$(curl -fsS http://127.0.0.1/)
echo "$body" | grep -q "$SITE_NAME is served by nginx"
curl -fsSI http://127.0.0.1/ | grep -qi '^X-Served-By: galley'
