package rocky

import "github.com/pakiti-go/pakiti/internal/source/rpmmatch"

// Driver is Rocky Linux's matching rules (match.Driver) for rocky:8 and
// rocky:9: those of an RPM family with records of its own
// (rpmmatch.Family), Rocky's OSV records and updateinfo ranking before an
// updateinfo an admin filed under rocky:N.
var Driver = rpmmatch.Family{ID: Name, Distro: "rocky"}
