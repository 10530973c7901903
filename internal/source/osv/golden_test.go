package osv

import (
	"testing"

	"github.com/pakiti-go/pakiti/internal/source/sourcetest"
)

func TestGolden(t *testing.T) {
	for _, name := range []string{"RLSA-2021_3891.json", "RXSA-2023_0101.json", "RLSA-2025_8056.json", "debian-osv-all.zip"} {
		t.Run(name, func(t *testing.T) {
			sourcetest.Golden(t, sourcetest.GoldenPath(name), parseAll(t, sourcetest.Testdata(t, name), name))
		})
	}
}
