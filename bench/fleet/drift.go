package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/pakiti-go/pakiti/internal/match"
	"github.com/pakiti-go/pakiti/internal/store"
)

// driftFlags are the -variants and -own-share flags.
var driftFlags struct {
	variants int
	ownShare float64
}

var (
	newSets       = flag.Int("new-sets", 20, "reports with a set of their own measured (p50)")
	newSetProfile = flag.String("new-set-cpuprofile", "", "write a CPU profile of the reports with a set of their own to this file")
)

// Drift is what the fleet's drift gives: how many distinct package sets
// and targets the hosts are on, what the targets weigh, and what a report
// with a set no host had costs.
type Drift struct {
	Variants        int     `json:"variants"`
	OwnShare        float64 `json:"own_share"`
	DistinctSets    int     `json:"distinct_sets"`    // package sets the hosts are on
	DistinctTargets int     `json:"distinct_targets"` // targets the hosts are on
	TargetRows      int     `json:"target_rows"`      // rows of target_findings (all targets, history's too)
	SetMemberRows   int     `json:"set_member_rows"`  // rows of package_set_members
	// One report with a set of its own, stored and evaluated (p50 of -new-sets):
	// wall time and the process's CPU time.
	NewSetReportMs    float64          `json:"new_set_report_ms"`
	NewSetReportCPUMs float64          `json:"new_set_report_cpu_ms"`
	TableBytes        map[string]int64 `json:"table_bytes,omitempty"` // table with its indexes
}

// measureNewSets stores and evaluates -new-sets + 1 reports of new hosts
// with a set of their own (numbers from first on), the first not counted.
func measureNewSets(ctx context.Context, st *store.Store, m *match.Matcher, fl *fleet, first int, res *Result, add func(string, string)) error {
	var lat, cpu []time.Duration
	var stop func()
	for i := range *newSets + 1 {
		if i == 1 && *newSetProfile != "" {
			f, err := os.Create(*newSetProfile)
			if err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			stop = func() { pprof.StopCPUProfile(); f.Close() }
		}
		in := fl.incomingOwn(first+i, time.Now())
		t, c := time.Now(), cpuTime()
		if _, err := st.SaveReport(ctx, in); err != nil {
			return err
		}
		if err := m.AfterReport(ctx, in.Host.Hostname, in.Host.OSGroup, nil); err != nil {
			return err
		}
		if i > 0 {
			lat, cpu = append(lat, time.Since(t)), append(cpu, cpuTime()-c)
		}
	}
	if stop != nil {
		stop()
	}
	res.NewSetReportMs, res.NewSetReportCPUMs = ms(pct(lat, .5)), ms(pct(cpu, .5))
	add(fmt.Sprintf("one new report with a set of its own, stored and evaluated (p50 of %d, wall / CPU)", *newSets),
		fmt.Sprintf("%.1f / %.1f ms", res.NewSetReportMs, res.NewSetReportCPUMs))
	return nil
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measureDrift counts the distinct sets and targets of the hosts, the
// target rows and each table's bytes (SQLite: dbstat; PostgreSQL: the
// relation sizes), on a connection of its own.
func measureDrift(ctx context.Context, dsn string, res *Result, add func(string, string)) error {
	res.Variants, res.OwnShare = driftFlags.variants, driftFlags.ownShare
	driver, src := "pgx", dsn
	if file, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		file, _, _ = strings.Cut(file, "?")
		driver, src = "sqlite", "file:"+file+"?mode=ro"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT package_set_id), COUNT(DISTINCT target_id) FROM hosts
		WHERE removed_at IS NULL`).Scan(&res.DistinctSets, &res.DistinctTargets); err != nil {
		return fmt.Errorf("distinct sets: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM target_findings), (SELECT COUNT(*) FROM package_set_members)`).Scan(
		&res.TargetRows, &res.SetMemberRows); err != nil {
		return fmt.Errorf("target rows: %w", err)
	}
	add("drift: variants / own share", fmt.Sprintf("%d / %.2f", res.Variants, res.OwnShare))
	add("distinct sets / distinct targets (hosts on them)", fmt.Sprintf("%d / %d", res.DistinctSets, res.DistinctTargets))
	add("target rows / set member rows", fmt.Sprintf("%d / %d", res.TargetRows, res.SetMemberRows))
	q := `SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'`
	if driver == "sqlite" {
		q = `SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d LEFT JOIN sqlite_master m ON m.name = d.name
			GROUP BY 1`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		add("table sizes", "unavailable: "+err.Error())
		return nil
	}
	defer rows.Close()
	res.TableBytes = map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return err
		}
		res.TableBytes[name] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	names := make([]string, 0, len(res.TableBytes))
	for n := range res.TableBytes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return res.TableBytes[names[i]] > res.TableBytes[names[j]] })
	var top []string
	for _, n := range names[:min(len(names), 6)] {
		top = append(top, fmt.Sprintf("%s %.1f MB", n, float64(res.TableBytes[n])/1e6))
	}
	add("largest tables with their indexes", strings.Join(top, ", "))
	return nil
}
