package osv

import "testing"

func TestGolden(t *testing.T) {
	for _, name := range []string{"RLSA-2021_3891.json", "RXSA-2023_0101.json", "RLSA-2025_8056.json", "debian-osv-all.zip"} {
		t.Run(name, func(t *testing.T) {
			checkGolden(t, name, parseAll(t, readTestdata(t, name), name))
		})
	}
}
