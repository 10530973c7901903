package store

// Refresh makes the next read of the live policy load the tags and
// exceptions again: a change made through this server (its admin pages)
// reaches the findings writer at once instead of within MaxAge.
func (p *LivePolicy) Refresh() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.snap = nil
}
