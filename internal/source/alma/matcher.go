package alma

import "github.com/pakiti-go/pakiti/internal/source/rpmmatch"

// Driver is AlmaLinux's matching rules (match.Driver) for alma:8, alma:9
// and alma:10: those of an RPM family with records of its own
// (rpmmatch.Family), AlmaLinux's OSV database ranking before an
// updateinfo an admin filed under alma:N.
var Driver = rpmmatch.Family{ID: Name, Distro: "alma"}
