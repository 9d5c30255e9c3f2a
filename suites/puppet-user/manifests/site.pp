# The node: one application user, set up by the deploy module.
class { 'deploy':
  user    => 'deploy',
  workers => 4,
}
