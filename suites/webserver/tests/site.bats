#!/usr/bin/env bats
# Runs inside the instance with Debian's bats; SITE_NAME comes from the suite's env.

get() {
  exec 3<>/dev/tcp/127.0.0.1/80
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  cat <&3
}

@test "the home page names the site" {
  run get /
  [ "$status" -eq 0 ]
  [[ "$output" == *"HTTP/1.1 200 OK"* ]]
  [[ "$output" == *"$SITE_NAME is served by nginx"* ]]
}

@test "nginx accepts its configuration" {
  run nginx -t
  [ "$status" -eq 0 ]
}

@test "the deploy user can publish a page" {
  run su deploy -c 'echo ok > /srv/site/published.html'
  [ "$status" -eq 0 ]
  [ "$(stat -c %G /srv/site/published.html)" = www-data ]
}
