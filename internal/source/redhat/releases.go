package redhat

import (
	"regexp"
	"strconv"
	"strings"
)

// osGroupPrefix starts every Red Hat OS group.
const osGroupPrefix = "rhel:"

// OSGroup returns the group of RHEL major version major ("9" -> "rhel:9"),
// with an extended-support stream when stream is set ("9.2-eus" ->
// "rhel:9.2-eus"). Majors outside 5..10 are refused.
func OSGroup(major string) (string, bool) {
	n, err := strconv.Atoi(major)
	if err != nil || n < 5 || n > 10 || strconv.Itoa(n) != major {
		return "", false
	}
	return osGroupPrefix + major, true
}

// Major returns the major version of a rhel group: "rhel:9.2-eus" -> "9".
func Major(group string) (string, bool) {
	rest, ok := strings.CutPrefix(group, osGroupPrefix)
	if !ok {
		return "", false
	}
	m, _, _ := strings.Cut(rest, ".")
	if _, ok := OSGroup(m); !ok {
		return "", false
	}
	return m, true
}

var reStream = regexp.MustCompile(`rhel-([0-9]+)\.([0-9]+)-(eus|aus|e4s|tus)\b`)

// streamOf reads an extended-support stream from a document name:
// "rhel-9.2-eus.oval.xml" -> ("9", "9.2-eus").
func streamOf(name string) (major, stream string) {
	m := reStream.FindStringSubmatch(strings.ToLower(name))
	if m == nil {
		return "", ""
	}
	return m[1], m[1] + "." + m[2] + "-" + m[3]
}
