// Package sourcetest is the test plumbing the vendor parsers share (the
// sources below internal/source, and internal/oval): golden JSON files
// compared with go-cmp and rewritten under `go test -update`, testdata and
// shared files opened and decompressed by their suffix, and a parser's
// records gathered with the checks every source makes. Only tests import
// it.
package sourcetest
