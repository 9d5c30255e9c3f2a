#!/bin/sh
# Replaces the default site with one page and starts nginx (there is no init system to do it).
set -eu
mkdir -p /srv/site/assets
cat > /srv/site/index.html <<HTML
<!doctype html>
<title>$SITE_NAME</title>
<h1>$SITE_NAME is served by nginx</h1>
HTML
cat > /etc/nginx/sites-available/site <<'CONF'
server {
    listen 80 default_server;
    root /srv/site;
    index index.html;
    autoindex off;
    add_header X-Served-By galley;
}
CONF
rm -f /etc/nginx/sites-enabled/default
ln -sf /etc/nginx/sites-available/site /etc/nginx/sites-enabled/site
nginx -t
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then nginx -s reload; else nginx; fi
