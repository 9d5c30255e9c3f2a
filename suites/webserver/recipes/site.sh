#!/bin/sh
# A site owned by a deploy user in www-data's group, served on port 80; starts nginx (no init system here).
set -eu
id deploy >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --groups www-data deploy
install -d -o deploy -g www-data -m 2775 /srv/site
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
    add_header X-Served-By galley;
}
CONF
rm -f /etc/nginx/sites-enabled/default
ln -sf /etc/nginx/sites-available/site /etc/nginx/sites-enabled/site
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then nginx -s reload; else nginx; fi
