# A nightly backup job: the script, its cron entry from a template, and cron running.
package 'cron'

directory node[:backup][:target] do
  mode '0750'
end

file '/usr/local/bin/site-backup' do
  mode '0755'
  content <<~SH
    #!/bin/sh
    # Copies /srv/site into the folder given, stamped with the date.
    set -eu
    mkdir -p /srv/site
    tar -C /srv -cf "$1/site-$(date +%F).tar" site
  SH
end

template '/etc/cron.d/site-backup' do
  source 'templates/site-backup.erb'
  mode '0644'
  variables(hour: node[:backup][:hour], target: node[:backup][:target])
  notifies :reload, 'service[cron]'
end

service 'cron' do
  action [:enable, :start]
end
