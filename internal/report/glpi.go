package report

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pakiti-go/pakiti/internal/jsontok"
	"github.com/pakiti-go/pakiti/internal/model"
)

// ProtocolGLPI is the protocol number recorded for GLPI agent inventories,
// which carry no Pakiti protocol version.
const ProtocolGLPI = 0

// GLPI is one decoded GLPI agent message.
type GLPI struct {
	Action   string  // "inventory", "contact", ... ("" in FusionInventory-style JSON)
	DeviceID string  // the agent's device id
	Report   *Report // the inventory; nil when the message carries none
}

// SizeError says that a compressed body inflates beyond the report size
// limit.
type SizeError struct{ Limit int64 }

func (e *SizeError) Error() string {
	return fmt.Sprintf("the decompressed inventory is more than the limit of %d bytes", e.Limit)
}

// IsZlib tells whether b starts with a zlib (RFC 1950) header.
func IsZlib(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// IsGzip tells whether b starts with a gzip (RFC 1952) header.
func IsGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// IsJSON tells whether b, after white space, starts an object.
func IsJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

// ParseGLPI reads a GLPI agent JSON message, plain or compressed (zlib as
// the agent sends it by default, or gzip; sniffed from the bytes). The
// JSON is decoded as a stream: a compressed body is never inflated beyond
// lim.MaxBytes (a *SizeError says so), and only the fields used are kept.
// The inventory gives the host from content.operatingsystem.fqdn (else
// content.hardware.name), the OS from its full_name, the kernel from its
// kernel_version, the arch from its arch, the site from the top-level tag
// and the packages from content.softwares[] (name, version, arch). Snap
// and Flatpak entries are left out: they are not the system's packages.
func ParseGLPI(body []byte, lim Limits) (*GLPI, error) {
	if int64(len(body)) > lim.MaxBytes {
		return nil, errf(0, "report is %d bytes, more than the limit of %d", len(body), lim.MaxBytes)
	}
	var src io.Reader
	switch {
	case IsJSON(body):
		src = bytes.NewReader(body)
	case IsZlib(body):
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, errf(0, "decompressing the inventory (zlib): %v", err)
		}
		defer zr.Close()
		src = zr
	case IsGzip(body):
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, errf(0, "decompressing the inventory (gzip): %v", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, errf(0, "the body is neither a JSON inventory nor zlib-compressed")
	}
	cr := &capReader{r: src, max: lim.MaxBytes}
	g, err := decodeGLPI(json.NewDecoder(cr), lim)
	if cr.over {
		return nil, &SizeError{Limit: lim.MaxBytes}
	}
	if err != nil {
		var re *Error
		if errors.As(err, &re) {
			return nil, err
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errf(0, "malformed JSON at byte %d: %v", se.Offset, err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, errf(0, "malformed JSON: the inventory ends too early")
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, errf(0, "malformed inventory: %s is %s, want %s", te.Field, te.Value, te.Type)
		}
		return nil, errf(0, "malformed inventory: %v", err)
	}
	return g, nil
}

// capReader fails once more than max bytes came through.
type capReader struct {
	r    io.Reader
	n    int64
	max  int64
	over bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, &SizeError{Limit: c.max}
	}
	if room := c.max + 1 - c.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.max {
		c.over = true
		return n, &SizeError{Limit: c.max}
	}
	return n, err
}

type glpiOS struct {
	Arch          string `json:"arch"`
	FQDN          string `json:"fqdn"`
	FullName      string `json:"full_name"`
	Name          string `json:"name"`
	KernelVersion string `json:"kernel_version"`
}

type glpiSoftware struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
	From    string `json:"from"`
}

func decodeGLPI(dec *json.Decoder, lim Limits) (*GLPI, error) {
	if err := expectDelim(dec, '{', "the inventory is not a JSON object"); err != nil {
		return nil, err
	}
	g := &GLPI{}
	var (
		osInfo     glpiOS
		hwName     string
		tag        string
		hasContent bool
		pkgs       []model.Package
		from       = map[string]int{}
	)
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, err
		}
		switch key {
		case "action":
			err = decodeString(dec, &g.Action, "action")
		case "deviceid":
			err = decodeString(dec, &g.DeviceID, "deviceid")
		case "tag":
			err = decodeString(dec, &tag, "tag")
		case "content":
			hasContent = true
			err = decodeContent(dec, lim, &osInfo, &hwName, &pkgs, from)
		default:
			err = jsontok.Skip(dec.Token)
		}
		if err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return nil, errf(0, "malformed JSON: data after the inventory object")
		}
		return nil, err
	}
	if !hasContent {
		return g, nil
	}
	r := &Report{}
	host := osInfo.FQDN
	if host == "" {
		host = hwName
	}
	system := osInfo.FullName
	if system == "" {
		system = osInfo.Name
	}
	for _, f := range [][3]string{
		{KeyHost, host, "content.operatingsystem.fqdn"}, {KeySystem, system, "content.operatingsystem.full_name"},
		{KeyKernel, osInfo.KernelVersion, "content.operatingsystem.kernel_version"},
		{KeyArch, osInfo.Arch, "content.operatingsystem.arch"}, {KeySite, tag, "tag"},
	} {
		if f[1] == "" {
			continue
		}
		if err := r.Header.set(f[0]+": "+f[1], lim); err != nil {
			return nil, errf(0, "%s: %v", f[2], err)
		}
	}
	if r.Header.Hostname() == "" {
		return nil, errf(0, "the inventory has no host name (content.operatingsystem.fqdn)")
	}
	r.Header.Packager = mainPackager(from)
	if len(pkgs) > 0 {
		r.Packages = SortPackages(pkgs)
	}
	g.Report = r
	return g, nil
}

func decodeContent(dec *json.Decoder, lim Limits, osInfo *glpiOS, hwName *string, pkgs *[]model.Package, from map[string]int) error {
	if err := expectDelim(dec, '{', "content is not a JSON object"); err != nil {
		return err
	}
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return err
		}
		switch key {
		case "operatingsystem":
			err = dec.Decode(osInfo)
		case "hardware":
			var hw struct {
				Name string `json:"name"`
			}
			err = dec.Decode(&hw)
			*hwName = hw.Name
		case "softwares":
			err = decodeSoftwares(dec, lim, pkgs, from)
		default:
			err = jsontok.Skip(dec.Token)
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

func decodeSoftwares(dec *json.Decoder, lim Limits, pkgs *[]model.Package, from map[string]int) error {
	if err := expectDelim(dec, '[', "content.softwares is not a JSON array"); err != nil {
		return err
	}
	for i := 0; dec.More(); i++ {
		var sw glpiSoftware
		if err := dec.Decode(&sw); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return errf(0, "content.softwares[%d] is malformed: %s is %s, want %s", i, te.Field, te.Value, te.Type)
			}
			return err
		}
		sw.Name, sw.Version, sw.Arch = strings.TrimSpace(sw.Name), strings.TrimSpace(sw.Version), strings.TrimSpace(sw.Arch)
		switch strings.ToLower(sw.From) {
		case "snap", "flatpak":
			continue
		}
		if sw.Name == "" || sw.Version == "" {
			continue // not a package (Windows registry entries and the like)
		}
		if len(*pkgs) >= lim.MaxPackages {
			return errf(0, "more than %d packages", lim.MaxPackages)
		}
		for _, f := range [][2]string{{"name", sw.Name}, {"version", sw.Version}, {"arch", sw.Arch}} {
			if len(f[1]) > lim.MaxField {
				return errf(0, "content.softwares[%d].%s is %d bytes, more than the limit of %d", i, f[0], len(f[1]), lim.MaxField)
			}
			if bad := firstControl(f[1]); bad >= 0 {
				return errf(0, "content.softwares[%d].%s holds control character %#x", i, f[0], bad)
			}
		}
		from[strings.ToLower(sw.From)]++
		*pkgs = append(*pkgs, model.Package{Name: sw.Name, Version: sw.Version, Arch: sw.Arch})
	}
	_, err := dec.Token()
	return err
}

// mainPackager names the packager most packages came from, in the words of
// the Pakiti header (dpkg, rpm, apk, ...).
func mainPackager(from map[string]int) string {
	names := make([]string, 0, len(from))
	for k := range from {
		if k != "" {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if from[names[i]] != from[names[j]] {
			return from[names[i]] > from[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) == 0 {
		return ""
	}
	if names[0] == "deb" {
		return "dpkg"
	}
	return names[0]
}

func expectDelim(dec *json.Decoder, want json.Delim, msg string) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != want {
		return errf(0, "%s", msg)
	}
	return nil
}

func objectKey(dec *json.Decoder) (string, error) {
	t, err := dec.Token()
	if err != nil {
		return "", err
	}
	k, _ := t.(string)
	return strings.ToLower(k), nil
}

func decodeString(dec *json.Decoder, dst *string, name string) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := t.(type) {
	case string:
		*dst = v
	case nil:
	default:
		if _, ok := v.(json.Delim); ok {
			return errf(0, "%s is not a string", name)
		}
		*dst = fmt.Sprint(v)
	}
	return nil
}
