// Package oval reads OVAL 5 definition documents (the XML that Red Hat,
// Oracle, SUSE, Ubuntu and Debian publish) in bounded memory, evaluates a
// definition's criteria tree over a host's facts, and flattens the usual
// vendor shape of a definition into per-package advisory records.
//
// Reading: Parser.Parse streams the document with an encoding/xml token
// loop and decodes one element at a time. Vendors put the definitions
// before the tests, objects and states they reference, so definitions are
// first written in a compact form to a spool (memory up to a limit, then a
// temporary file), tests/objects/states are kept in compact maps, and the
// definitions are read back and handed out with every criterion resolved to
// its Test, the Test to its Object and States. Memory is thus bounded by
// the tests, objects, states and constant variables of the document (a few tens of MB for a
// full RHEL OVAL v2 file), never by its definitions.
//
// Evaluating: Eval computes a criteria tree with OVAL's three-valued logic
// (true, false, unknown) and its operators (AND, OR, ONE, XOR, negate on
// criteria, criterion and extend_definition), each test with its check,
// check_existence and state_operator, and each state entity with its
// operation and datatype, over Facts: installed packages (rpminfo,
// dpkginfo), files' owners (rpmverifyfile, "Red Hat Enterprise Linux N is
// installed"), files' contents (textfilecontent54: module streams) and the
// running kernel (uname). What the facts cannot decide (variables, an
// unknown test type, a regular expression Go cannot compile) is unknown,
// never false.
//
// Flattening: Flatten turns a definition whose tree is a disjunction of
// conjunctions of known test kinds (see Kind) into Branches, one per
// package; definitions of any other shape return ErrShape and stay for
// Eval. Advisories turns branches into model.Advisory records.
package oval
