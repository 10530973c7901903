package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxHostname is the longest host name accepted, in bytes: the longest
// DNS name in its dotted text form.
const MaxHostname = 253

// ValidHostname says why name is not a valid host name, or returns nil.
// A host name is a host's identity in URLs, listings and alerts, so it
// must read as what it is: UTF-8 of 1 to MaxHostname bytes, not "." or
// "..", none of / \ ? # % (they break URLs), and no character that is
// invisible or changes how the text around it is shown: no white space or
// other separator, no control or format character (Unicode Cc and Cf: the
// bidi overrides and isolates, zero-width spaces and joiners, the byte
// order mark, soft hyphens, tag characters), no other default-ignorable
// character (variation selectors, Hangul fillers, combining grapheme
// joiner), no private-use or unassigned code point. Letters of any script
// are valid (internationalised names); look-alike letters of different
// scripts are not refused. The client may check its --host with it too.
func ValidHostname(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("host name is empty")
	case len(name) > MaxHostname:
		return fmt.Errorf("host name is %d bytes, more than the limit of %d", len(name), MaxHostname)
	case !utf8.ValidString(name):
		return fmt.Errorf("host name %+q is not UTF-8", clip(name))
	case name == "." || name == "..":
		return fmt.Errorf("host name %q is not a name: it is a path step", name)
	case strings.ContainsAny(name, "/\\?#%"):
		return fmt.Errorf("host name %+q holds one of / \\ ? # %%", clip(name))
	}
	for _, r := range name {
		if why := invisible(r); why != "" {
			return fmt.Errorf("host name %+q holds %U, %s", clip(name), r, why)
		}
	}
	return nil
}

// invisible says what r is when a host name may not hold it, or "".
func invisible(r rune) string {
	switch {
	case r < 0x80 && (r <= ' ' || r == 0x7f):
		if r == ' ' {
			return "a space"
		}
		return "a control character"
	case r < 0x80:
		return ""
	case unicode.IsSpace(r) || unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp):
		return "a space or separator"
	case unicode.Is(unicode.Bidi_Control, r):
		return "a bidirectional text control (it can make the name read as another)"
	case unicode.Is(unicode.Cc, r):
		return "a control character"
	case unicode.Is(unicode.Cf, r):
		return "an invisible format character"
	case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), unicode.Is(unicode.Variation_Selector, r), r == 0x2800:
		return "an invisible character"
	case unicode.Is(unicode.Co, r):
		return "a private-use character"
	case !unicode.IsGraphic(r):
		return "an unassigned character"
	}
	return ""
}
