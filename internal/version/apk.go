package version

// APK orders Alpine package versions as apk-tools' `apk version -t A B`
// does, following the version tokenizer of current apk-tools (3.x,
// src/version.c). No apk binary could be run here; the ordering is checked
// against apk-tools' own test list (testdata/apk.tsv).
//
// A valid version is
//
//	digits {.digits} [letter] {_suffix[digits]} [~hash] [-rdigits]
//
// with a lowercase letter, suffix one of alpha, beta, pre, rc (older than no
// suffix) or cvs, svn, git, hg, p (newer), and hash a run of lowercase hex
// digits. Both versions are read token by token while the token kinds agree:
//   - the first number, suffix numbers and revisions compare by value;
//   - a later number compares by value too, unless either has a leading zero:
//     then both compare as strings ("1.05" < "1.1", "8.2.0015" < "8.2.002");
//   - letters by byte, suffixes by their rank above, hashes as strings.
//
// When one version runs out of tokens, or the kinds differ, the version with
// a pre-release suffix (alpha … rc) next is older; otherwise the one whose
// next token kind comes later in the grammar is older, the end of the string
// counting after the revision. So "1.0_rc1" < "1.0" < "1.0_p1" < "1.0a" <
// "1.0.1" and "1.0.1" < "1.0.1-r1" < "1.0.1~0a" (a hash outranks a revision).
//
// Invalid strings are compared the way apk compares them, without error:
// reading stops at the first byte that does not fit the grammar (an
// uppercase letter, "+", "-" not followed by "r" and a digit, a letter after
// a letter, an unknown or empty suffix, an empty number or hash, ...). That
// spot counts as a token kind of its own, after the end of the string: so
// "1.0" > "1.0-foo" (invalid after "1.0"), "1.0bc" equals "1.0bd" (both
// invalid after "1.0b"), and "" equals "abc" (both invalid at once).
//
// Numbers are read into an unsigned 64-bit integer that wraps around, as
// apk-tools does: digit runs beyond 20 digits compare by their value modulo
// 2^64 ("1.18446744073709551616" < "1.1", since 2^64 wraps to 0), except
// where the leading-zero rule makes them compare as strings.
//
// Older apk-tools differ only on strings invalid for them: apk-tools 2.x has
// no ~hash token (it makes the string invalid there) and accepts an empty
// suffix ("1.0_") and a revision without digits ("1.0-r"). Older releases
// with the earlier tokenizer also ordered leading-zero numbers differently.
var APK Scheme = apkScheme{}

type apkScheme struct{}

func (apkScheme) Name() string { return "apk" }

// apk token kinds, in grammar order; the order is used when versions differ
// in their next token kind.
const (
	apkInitialDigit = iota
	apkDigit
	apkLetter
	apkSuffix
	apkSuffixNo
	apkCommitHash
	apkRevisionNo
	apkEnd
	apkInvalid
)

// apk suffix ranks; apkSuffixNone is the rank of "no suffix".
const (
	apkSuffixInvalid = iota
	apkSuffixAlpha
	apkSuffixBeta
	apkSuffixPre
	apkSuffixRC
	apkSuffixNone
	apkSuffixCVS
	apkSuffixSVN
	apkSuffixGit
	apkSuffixHg
	apkSuffixP
)

// apkTokenizer walks one version string.
type apkTokenizer struct {
	s      string
	pos    int
	kind   int
	suffix int
	number uint64
	value  string // the token's text: digits, letter, suffix name or hash
}

func (t *apkTokenizer) digits() {
	start := t.pos
	var n uint64
	for t.pos < len(t.s) && isDigit(t.s[t.pos]) {
		n = n*10 + uint64(t.s[t.pos]-'0') // wraps modulo 2^64, as apk does
		t.pos++
	}
	t.number = n
	t.value = t.s[start:t.pos]
	if t.value == "" {
		t.kind = apkInvalid
	}
}

func (t *apkTokenizer) first() {
	t.kind = apkInitialDigit
	t.digits()
}

func (t *apkTokenizer) next() {
	if t.pos >= len(t.s) {
		t.kind = apkEnd
		return
	}
	c := t.s[t.pos]
	switch {
	case 'a' <= c && c <= 'z':
		if t.kind > apkDigit {
			t.kind = apkInvalid
			return
		}
		t.value = t.s[t.pos : t.pos+1]
		t.kind = apkLetter
		t.pos++
	case c == '.' || isDigit(c):
		if c == '.' {
			if t.kind > apkDigit {
				t.kind = apkInvalid
				return
			}
			t.pos++
		}
		switch t.kind {
		case apkInitialDigit, apkDigit:
			t.kind = apkDigit
		case apkSuffix:
			t.kind = apkSuffixNo
		default:
			t.kind = apkInvalid
			return
		}
		t.digits()
	case c == '_':
		if t.kind > apkSuffixNo {
			t.kind = apkInvalid
			return
		}
		t.pos++
		start := t.pos
		for t.pos < len(t.s) && 'a' <= t.s[t.pos] && t.s[t.pos] <= 'z' {
			t.pos++
		}
		t.value = t.s[start:t.pos]
		t.suffix = apkSuffixRank(t.value)
		if t.suffix == apkSuffixInvalid {
			t.kind = apkInvalid
			return
		}
		t.kind = apkSuffix
	case c == '~':
		if t.kind >= apkCommitHash {
			t.kind = apkInvalid
			return
		}
		t.pos++
		start := t.pos
		for t.pos < len(t.s) && isLowerHex(t.s[t.pos]) {
			t.pos++
		}
		t.value = t.s[start:t.pos]
		if t.value == "" {
			t.kind = apkInvalid
			return
		}
		t.kind = apkCommitHash
	case c == '-':
		if t.kind >= apkRevisionNo || t.pos+1 >= len(t.s) || t.s[t.pos+1] != 'r' {
			t.kind = apkInvalid
			return
		}
		t.pos += 2
		t.kind = apkRevisionNo
		t.digits()
	default:
		t.kind = apkInvalid
	}
}

func isLowerHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' }

func apkSuffixRank(s string) int {
	switch s {
	case "alpha":
		return apkSuffixAlpha
	case "beta":
		return apkSuffixBeta
	case "pre":
		return apkSuffixPre
	case "rc":
		return apkSuffixRC
	case "cvs":
		return apkSuffixCVS
	case "svn":
		return apkSuffixSVN
	case "git":
		return apkSuffixGit
	case "hg":
		return apkSuffixHg
	case "p":
		return apkSuffixP
	}
	return apkSuffixInvalid
}

// apkBlobSort is apk's string order: bytes first, then the shorter first.
func apkBlobSort(a, b string) int {
	n := min(len(a), len(b))
	for k := 0; k < n; k++ {
		if a[k] != b[k] {
			if a[k] < b[k] {
				return -1
			}
			return 1
		}
	}
	return sign(len(a) - len(b))
}

// apkTokenCmp compares two tokens of the same kind.
func apkTokenCmp(ta, tb *apkTokenizer) int {
	var x, y uint64
	switch ta.kind {
	case apkDigit:
		if ta.value[0] == '0' || tb.value[0] == '0' {
			return apkBlobSort(ta.value, tb.value)
		}
		x, y = ta.number, tb.number
	case apkInitialDigit, apkSuffixNo, apkRevisionNo:
		x, y = ta.number, tb.number
	case apkLetter:
		x, y = uint64(ta.value[0]), uint64(tb.value[0])
	case apkSuffix:
		x, y = uint64(ta.suffix), uint64(tb.suffix)
	default: // apkCommitHash
		return apkBlobSort(ta.value, tb.value)
	}
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (apkScheme) Compare(a, b string) int {
	ta := apkTokenizer{s: cString(a)}
	tb := apkTokenizer{s: cString(b)}
	ta.first()
	tb.first()
	for ta.kind == tb.kind && ta.kind < apkEnd {
		if c := apkTokenCmp(&ta, &tb); c != 0 {
			return c
		}
		ta.next()
		tb.next()
	}
	switch {
	case ta.kind == tb.kind:
		return 0
	case ta.kind == apkSuffix && ta.suffix < apkSuffixNone:
		return -1
	case tb.kind == apkSuffix && tb.suffix < apkSuffixNone:
		return 1
	case ta.kind > tb.kind:
		return -1
	}
	return 1
}
