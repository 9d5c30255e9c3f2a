directory '/etc/motd.d'

file '/etc/motd.d/galley' do
  content node['motd']['message']
end
