#!/bin/sh
# Serves a static page with busybox httpd on port 80.
set -eu
mkdir -p /srv/www
echo "<h1>served by galley</h1>" > /srv/www/index.html
httpd -p 80 -h /srv/www
echo "httpd started"
