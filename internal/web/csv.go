package web

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
	"github.com/pakiti-go/pakiti/internal/store"
)

// HostColumns are the columns of a host listing as CSV and as a table.
// Scripts parse them: a new column goes at the end.
var HostColumns = []string{"hostname", "site", "tag", "os", "os_group", "arch", "kernel", "packages",
	"vulnerable_packages", "cves", "advisory_findings", "data_state", "data_reason", "last_report", "reports"}

// HostRow is a host as the strings of HostColumns.
func HostRow(h model.Host) []string {
	vp, cves, adv := strconv.Itoa(h.VulnerablePackages), strconv.Itoa(h.CVEs), strconv.Itoa(h.AdvisoryFindings)
	if !h.Evaluated {
		vp, cves, adv = "not evaluated", "not evaluated", "not evaluated"
	}
	return []string{h.Hostname, h.Site, h.Tag, h.OS, h.OSGroup, h.Arch, h.Kernel, strconv.Itoa(h.Packages),
		vp, cves, adv, h.DataState, h.DataReason, h.LastReport.UTC().Format(time.RFC3339), strconv.Itoa(h.Reports)}
}

// HostCSVRow is HostRow with every cell csvSafe: a row of a CSV export.
func HostCSVRow(h model.Host) []string { return csvRow(HostRow(h)) }

// WriteHostsCSV writes hosts as CSV with a header row. Cells that a
// spreadsheet would run as a formula are prefixed with a quote.
func WriteHostsCSV(w io.Writer, hosts []model.Host) error {
	cw := csv.NewWriter(w)
	cw.Write(HostColumns)
	for _, h := range hosts {
		cw.Write(HostCSVRow(h))
	}
	cw.Flush()
	return cw.Error()
}

// CSVRow is row with every cell csvSafe (in place): a row of an export
// the CLI writes.
func CSVRow(row []string) []string { return csvRow(row) }

// csvRow makes every cell of row csvSafe, in place.
func csvRow(row []string) []string {
	for i, c := range row {
		row[i] = csvSafe(c)
	}
	return row
}

// csvSafe defuses spreadsheet formula injection: host names and OS strings
// come from reports.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteAffectedCSV writes the hosts affected by a CVE.
func WriteAffectedCSV(w io.Writer, hosts []store.AffectedHost) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"hostname", "site", "os_group", "package", "installed", "fixed", "status", "vendor_status"})
	for _, h := range hosts {
		row := []string{h.Hostname, h.Site, h.OSGroup, h.Package, h.Version, h.Fixed, h.Status, string(h.Vendor)}
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}
