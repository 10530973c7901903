package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// phaseProfiler writes a CPU profile of each phase (-phase-profiles):
// start as a phase starts (loadConfig.OnStart), stop as it ends. A nil
// phaseProfiler does nothing.
type phaseProfiler struct {
	dir string
	f   *os.File
	err error // a failed start, said at stop
}

func (p *phaseProfiler) start(phase string) {
	if p == nil {
		return
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		p.err = err
		return
	}
	f, err := os.Create(filepath.Join(p.dir, phase+".pprof"))
	if err != nil {
		p.err = err
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		p.err = fmt.Errorf("profile of %s: %w", phase, err)
		return
	}
	p.f = f
}

// stop ends the phase's profile, if one runs, and says what went wrong.
func (p *phaseProfiler) stop() error {
	if p == nil {
		return nil
	}
	if p.f != nil {
		pprof.StopCPUProfile()
		if err := p.f.Close(); err != nil && p.err == nil {
			p.err = err
		}
		p.f = nil
	}
	err := p.err
	p.err = nil
	return err
}
