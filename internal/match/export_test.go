package match

// ReusedTargets is how many set targets m took back instead of building
// them (reuse.go).
func (m *Matcher) ReusedTargets() int64 { return m.reused.Load() }
