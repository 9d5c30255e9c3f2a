directory '/srv'
directory '/srv/app'
directory '/srv/app/releases'
