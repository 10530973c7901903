package store

// SetExportPage sets how many hosts EachHost reads at a time, for tests
// that cross pages with a few hosts; it returns the undo.
func SetExportPage(n int) func() {
	old := exportPage
	exportPage = n
	return func() { exportPage = old }
}
