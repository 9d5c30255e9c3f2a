# An application user with a config file in its home, and the cron service its jobs need.
class deploy (
  String  $user    = 'deploy',
  Integer $workers = 2,
) {
  user { $user:
    ensure     => present,
    shell      => '/bin/bash',
    home       => "/home/${user}",
    managehome => true,
  }

  file { "/home/${user}/app.conf":
    ensure  => file,
    owner   => $user,
    mode    => '0640',
    content => template('deploy/app.conf.erb'),
    require => User[$user],
  }

  package { 'cron':
    ensure => installed,
  }

  service { 'cron':
    ensure  => running,
    require => Package['cron'],
  }
}
