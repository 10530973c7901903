# @summary Installs pakiti-client, writes its configuration and runs it daily.
#
# The Perl client's manifest (package, and a cron entry as nobody at
# fqdn_rand(24):fqdn_rand(60)) reworked for our client: the package brings
# a systemd timer that runs the client once a day at a time that is random
# but fixed for each host (RandomizedDelaySec with FixedRandomDelay, from
# the machine id); hosts without systemd get the same daily line in
# /etc/cron.d/pakiti-client at fqdn_rand hours and minutes.
#
# A cron resource written for the Perl client keeps working unchanged:
#   cron { 'pakiti': user => 'nobody', hour => fqdn_rand(24), minute => fqdn_rand(60),
#     command => '/usr/bin/pakiti-client --url https://pakiti.example.org/feed/ --site SITE_NAME' }
#
# @example
#   class { 'pakiti::client':
#     url  => 'https://pakiti.example.org/feed/',
#     site => 'SITE_NAME',
#   }
#
# @param url
#   The server's feed URL (Pakiti 3's .../pakiti/feed/ works too).
# @param site
#   The site (host group) this host reports under.
# @param tag
#   The tag this host reports with.
# @param options
#   Further options of the configuration file, name => value (see
#   pakiti-client(1)), e.g. { 'encrypt' => '/etc/pakiti/report-cert.pem' }.
# @param scheduler
#   'systemd' (the package's timer) or 'cron' (/etc/cron.d/pakiti-client).
# @param ensure
#   'present' or 'absent'.
# @param package_name
#   The package to install.
class pakiti::client (
  String[1] $url,
  Optional[String[1]] $site = undef,
  Optional[String[1]] $tag = undef,
  Hash[String[1], String[1]] $options = {},
  Enum['systemd', 'cron'] $scheduler = $facts['service_provider'] ? {
    'systemd' => 'systemd',
    default   => 'cron',
  },
  Enum['present', 'absent'] $ensure = 'present',
  String[1] $package_name = 'pakiti-client',
) {
  if $ensure == 'absent' {
    package { $package_name:
      ensure => 'purged',
    }
  } else {
    package { $package_name:
      ensure => 'installed',
    }

    file { '/etc/pakiti/client.conf':
      ensure  => 'file',
      owner   => 'root',
      group   => 'root',
      mode    => '0644',
      content => epp('pakiti/client.conf.epp', {
          'url'     => $url,
          'site'    => $site,
          'tag'     => $tag,
          'options' => $options,
      }),
      require => Package[$package_name],
    }

    if $scheduler == 'systemd' {
      service { 'pakiti-client.timer':
        ensure  => 'running',
        enable  => true,
        require => File['/etc/pakiti/client.conf'],
      }
      # The package's cron line does nothing where systemd runs.
    } else {
      # Host-stable: the same hour and minute on every Puppet run.
      $hour = fqdn_rand(24, 'pakiti-client')
      $minute = fqdn_rand(60, 'pakiti-client')
      $line = "${minute} ${hour} * * * nobody /usr/bin/pakiti-client --config /etc/pakiti/client.conf"
      file { '/etc/cron.d/pakiti-client':
        ensure  => 'file',
        owner   => 'root',
        group   => 'root',
        mode    => '0644',
        content => "# Managed by Puppet (pakiti::client).\n${line}\n",
        require => Package[$package_name],
      }
    }
  }
}
