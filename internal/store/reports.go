package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pakiti-go/pakiti/internal/model"
)

// Incoming is a validated report ready to be stored.
type Incoming struct {
	Host         model.Host // Hostname, Site, Tag, OS..., ReporterAddr, Protocol
	Packages     []model.Package
	SetHash      string // report.PackageSetHash of Packages
	HeaderHash   string
	RawHash      string // of the report's bytes and protocol, for TouchUnchanged
	PackagesHash string // of the package lines' bytes and protocol, for KnownSet
	// Set, when not nil, is the stored set the package lines are known to
	// give (KnownSet): Packages is then empty and not parsed.
	Set        *KnownSet
	ReceivedAt time.Time
	// ThroughProxy: a proxy forwarded the report (proxy=1); ProxyAddr is
	// the proxy's address, Host.ReporterAddr the host's own as the proxy
	// gave it.
	ThroughProxy bool
	ProxyAddr    string
	// QueueID is the report's row in the intake queue (queue.go), 0 for
	// a report stored as it arrives.
	QueueID int64
	// Archive, when not nil, is archived with the report (archive.go).
	Archive *RawReport
	// Modules are the host's enabled RPM module streams, when the report
	// said (protocol 6 modules: header; modules.go).
	Modules HostModules
	// Pro are the host's enabled Ubuntu Pro services, when the report
	// said (protocol 6 pro: header; hostfacts.go).
	Pro HostPro
}

// KnownSet is a stored package set. ID is the set's row when it was
// read: a remembered answer (knownsets.go) may name a row collected since.
type KnownSet struct {
	ID       int64
	Hash     string
	Packages int
}

// KnownSet finds the set whose package lines, byte for byte (packagesHash),
// were stored before.
func (s *Store) KnownSet(ctx context.Context, packagesHash string) (KnownSet, bool, error) {
	if packagesHash == "" {
		return KnownSet{}, false, nil
	}
	if k, ok := s.knownSets.get(packagesHash); ok {
		return k, true, nil
	}
	var k KnownSet
	err := s.readQueryRow(ctx, `SELECT id, hash, package_count FROM package_sets WHERE raw_hash = $1 LIMIT 1`,
		[]any{packagesHash}, &k.ID, &k.Hash, &k.Packages)
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	if err != nil {
		return k, false, err
	}
	s.knownSets.put(strings.Clone(packagesHash), k)
	return k, true, nil
}

// packageCount is how many packages the incoming report holds.
func (in Incoming) packageCount() int {
	if in.Set != nil {
		return in.Set.Packages
	}
	return len(in.Packages)
}

// Change says what a stored report changed.
type Change int

const (
	HostNew       Change = iota // first report of this host name
	HostChanged                 // header or package set differ from the last report
	HostUnchanged               // same header and package set: timestamps only
)

func (c Change) String() string {
	return [...]string{"new", "changed", "unchanged"}[c]
}

// Saved tells the caller what SaveReport did.
type Saved struct {
	Change       Change
	HostID       int64
	PackageSetID int64
	NewSet       bool // the package set was not known before
	// SameTarget: a changed report (HostChanged) left everything the
	// host's findings are made from as it was, and they were written
	// under the policy in force (sameTarget): evaluating it again would
	// write nothing.
	SameTarget bool
	// State, when not nil, is the host's matching state as the save
	// committed it (what HostStates would read next), handed to the
	// evaluation so that it need not read it again: set for a new host
	// that said nothing of modules or Pro (no facts, no findings yet);
	// nil otherwise, and the evaluation reads the state.
	State *HostState
}

// hostBefore is what a host's row said before a report changed it:
// what its findings were last made from.
type hostBefore struct {
	setID      int64
	osGroup    string
	kernel     string
	protocol   int
	siteID     int64
	findingKey string
	live       bool // not removed
	modules    bool // it has module streams (host_modules)
}

// sameTarget tells whether the host's findings, written from before,
// still hold after a changed report: the same package set, OS group,
// running kernel, protocol and site, no module streams and no Ubuntu Pro
// state before or now (host rules read them: match/hostrules.go; the
// caller asks hadPro only when the rest holds), not
// removed, and findings written (a findings key) under the policy
// generation in force. The data in force is not compared: an import
// re-evaluates the sets it changed itself (match.AfterImport, through the
// durable evaluation queue), whatever their hosts report. A new input of
// the matcher's per-host findings (store.HostState, match.forHost) must
// be compared here too.
func (s *Store) sameTarget(before hostBefore, in Incoming, setID, siteID int64) bool {
	return before.live && before.findingKey != "" &&
		strings.HasSuffix(before.findingKey, "|"+s.Policy().Generation()) &&
		before.setID == setID && before.osGroup == in.Host.OSGroup && before.kernel == in.Host.Kernel &&
		before.protocol == in.Host.Protocol && before.siteID == siteID && !before.modules && !in.Modules.Known
}

// ForgetFindingsKey clears the key of what a host's findings were written
// from, so that its next report is evaluated whatever it carries (the
// intake calls it when the evaluation after a report failed).
func (s *Store) ForgetFindingsKey(ctx context.Context, hostID int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE hosts SET findings_key = '' WHERE id = $1`, hostID)
		return err
	})
}

// SaveReport stores one report in one transaction: the host, its package
// set (created only if no host had it before) and its history record. A
// report identical to the host's last one only touches timestamps. A
// report taken from the intake queue (in.QueueID) leaves the queue in the
// same transaction, and is not stored if it left it already
// (ErrQueueGone).
//
// A set found by its hash may be collected (gc.go) before the host refers
// to it (PostgreSQL: the foreign key of hosts then fails): the report is
// saved again, creating the set anew, or fails with ErrSetVanished when
// its packages were not parsed (in.Set).
func (s *Store) SaveReport(ctx context.Context, in Incoming) (Saved, error) {
	for attempt := 1; ; attempt++ {
		out, err := s.saveReport(ctx, in)
		if err != nil && attempt < 3 && ctx.Err() == nil && s.engine.fkViolation(err) {
			continue
		}
		return out, err
	}
}

func (s *Store) saveReport(ctx context.Context, in Incoming) (Saved, error) {
	if in.Host.Site == "" {
		in.Host.Site = model.DefaultSite
	}
	if in.Set != nil {
		in.SetHash = in.Set.Hash
	}
	archived, err := compressReport(in.Archive)
	if err != nil {
		return Saved{}, fmt.Errorf("compress report for the archive: %w", err)
	}
	r := &saveReq{ctx: ctx, in: in, archived: archived}
	if s.engine.name() == "sqlite" {
		// One writer: concurrent saves share a transaction (savebatch.go).
		if err := s.saves.save(ctx, s, r); err != nil {
			return Saved{}, err
		}
		return r.out, nil
	}
	if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.saveIn(ctx, tx, r) }); err != nil {
		return Saved{}, err
	}
	s.saved(r)
	return r.out, nil
}

// saveReq is one report SaveReport stores, and what storing it learned.
type saveReq struct {
	ctx      context.Context // the caller's: the report's statements run under it
	in       Incoming
	archived *archiveEntry

	out   Saved
	fresh map[model.Package]int64 // catalogue ids the transaction added, at gen
	gen   int64
	site  int64 // the site's id when the transaction read or created it (cached once committed)
	err   error
	done  chan struct{}
}

// saved keeps what a committed save learned: catalogue ids, the site's
// id, the host's raw hash (resendhints.go).
func (s *Store) saved(r *saveReq) {
	s.cache.addAll(r.fresh, r.gen)
	s.hints.set(r.in.Host.Hostname, r.in.RawHash) // "" (parsed, not hashed: a proxied or legacy report) forgets
	if r.site != 0 {
		s.mu.Lock()
		s.sites[strings.Clone(r.in.Host.Site)] = r.site // not a piece of the report body
		s.mu.Unlock()
	}
}

// saveIn stores one report in tx (run again from the start when the
// transaction is retried).
func (s *Store) saveIn(ctx context.Context, tx *sql.Tx, r *saveReq) error {
	r.out, r.fresh, r.gen, r.site = Saved{}, nil, 0, 0
	if err := s.saveHost(ctx, tx, r); err != nil {
		return err
	}
	if err := s.archive(ctx, tx, r.archived, r.in); err != nil {
		return err
	}
	if testHookSave != nil {
		// After every write of the report: a failure here must take
		// them all back (its savepoint, in a shared transaction).
		return testHookSave(r.in)
	}
	return nil
}

func (s *Store) saveHost(ctx context.Context, tx *sql.Tx, r *saveReq) error {
	in := r.in
	if in.QueueID != 0 {
		if err := s.dequeue(ctx, tx, in.QueueID); err != nil {
			return err
		}
	}
	var (
		hostID, setID         int64
		headerHash, setHash   string
		lastReportID          sql.NullInt64
		lastHeader, lastSetHs sql.NullString
		lastCount             int64
		err                   error
	)
	var before hostBefore
	err = s.txQueryRow(ctx, tx, qFindHost, []any{in.Host.Hostname}, &hostID, &headerHash, &setID, &setHash, &lastReportID, &lastHeader, &lastSetHs, &lastCount,
		&before.osGroup, &before.kernel, &before.protocol, &before.siteID, &before.findingKey, &before.live, &before.modules)
	before.setID = setID
	// carry: the reports of the last history record, added to the
	// host's reports_before when this report opens a new record
	// (#reports: migration 0033).
	carry := int64(0)
	if lastReportID.Valid && !extendsRecord(in, lastHeader, lastSetHs) {
		carry = lastCount
	}
	out := &r.out
	switch {
	case errors.Is(err, sql.ErrNoRows):
		out.Change = HostNew
	case err != nil:
		return fmt.Errorf("find host: %w", err)
	case headerHash == in.HeaderHash && setHash == in.SetHash:
		out.Change, out.HostID, out.PackageSetID = HostUnchanged, hostID, setID
		if err := s.txExec(ctx, tx, qTouchHostFull, in.ReceivedAt, in.Host.ReporterAddr, in.RawHash, hostID, carry); err != nil {
			return fmt.Errorf("touch host: %w", err)
		}
		return s.recordReport(ctx, tx, hostID, in, lastReportID, lastHeader, lastSetHs)
	default:
		out.Change, out.HostID = HostChanged, hostID
	}

	if setHash == in.SetHash && out.Change == HostChanged {
		out.PackageSetID = setID
	} else if out.PackageSetID, out.NewSet, r.fresh, r.gen, err = s.ensureSet(ctx, tx, in); err != nil {
		return err
	}
	siteID, read, err := s.siteID(ctx, tx, in.Host.Site, in.ReceivedAt)
	if err != nil {
		return err
	}
	if read {
		r.site = siteID
	}
	h := in.Host
	err = s.txQueryRow(ctx, tx, qUpsertHost, []any{h.Hostname, siteID, h.Tag, h.OS, h.OSID, h.OSVersionID, h.Arch, h.Kernel, h.CPU, h.Packager,
		nullBool(h.RebootRequired), h.ReporterAddr, h.Protocol, out.PackageSetID, in.HeaderHash,
		in.ReceivedAt, in.RawHash, h.OSGroup, carry}, &out.HostID)
	if err != nil {
		return fmt.Errorf("save host: %w", err)
	}
	if out.Change == HostNew && s.engine.name() != "sqlite" {
		// A concurrent first report of the host (PostgreSQL) may have
		// stored it meanwhile: the upsert waited for it, and this
		// report continues its history. SQLite has one writer: the
		// host qFindHost did not find in this transaction is new.
		err := s.txQueryRow(ctx, tx, qLastRecord, []any{out.HostID}, &lastReportID, &lastHeader, &lastSetHs, &lastCount)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("find last report record: %w", err)
		}
		if err == nil && !extendsRecord(in, lastHeader, lastSetHs) {
			// Rare: the upsert carried nothing (no record was known).
			_, err := tx.ExecContext(ctx, `UPDATE hosts SET reports_before = reports_before + $1 WHERE id = $2`, lastCount, out.HostID)
			if err != nil {
				return fmt.Errorf("count reports: %w", err)
			}
		}
	}
	if out.Change == HostNew && !lastReportID.Valid && !in.Modules.Known && !in.Pro.Known {
		// A host this transaction created (on PostgreSQL, not one a
		// concurrent first report stored meanwhile: that one has a
		// history record): no findings, no facts.
		out.State = &HostState{ID: out.HostID, Hostname: h.Hostname, OSGroup: h.OSGroup, Kernel: h.Kernel,
			SetID: out.PackageSetID, Protocol: h.Protocol, Site: in.Host.Site}
	}
	if out.Change == HostChanged {
		if err := s.recordPackageChanges(ctx, tx, out.HostID, before, out.PackageSetID, in); err != nil {
			return err
		}
	}
	out.SameTarget = out.Change == HostChanged && s.sameTarget(before, in, out.PackageSetID, siteID)
	if out.SameTarget {
		// The host's Pro state, read only on this path (rare: a
		// changed header over the same set).
		pro, err := s.hadPro(ctx, tx, out.HostID)
		if err != nil {
			return err
		}
		out.SameTarget = !pro && !in.Pro.Known
	}
	if err := s.saveHostModules(ctx, tx, out.HostID, out.Change == HostNew, in.Modules); err != nil {
		return err
	}
	if err := s.saveHostPro(ctx, tx, out.HostID, out.Change == HostNew, in.Pro); err != nil {
		return err
	}
	return s.recordReport(ctx, tx, out.HostID, in, lastReportID, lastHeader, lastSetHs)
}

// testHookSave lets a test fail one report of a batch.
var testHookSave func(Incoming) error

// TouchGranularity is how far a re-sent report must move a host's last
// report time for TouchUnchanged to write it into the hosts row: a host
// re-sending its report within a minute (a retry, a client run twice, a
// load test) leaves the wide, indexed row alone. What reads hosts'
// last_report counts in days (the stale-host rule), hours (activity
// filters) or shows minutes; the history record (HostReports) stays exact
// to the report: its time and count move every time.
const TouchGranularity = time.Minute

// TouchUnchanged is the fast path for a report byte for byte equal to the
// last one stored for hostname (same rawHash): it only touches timestamps,
// as SaveReport would, without the caller parsing the packages. It reports
// false, changing nothing, when the stored report differs. The host's
// last_report moves only by TouchGranularity or more (or with a new
// address); its last history record always. Concurrent touches share a
// transaction (touchbatch.go): one commit, one sync, for all of them.
func (s *Store) TouchUnchanged(ctx context.Context, hostname, rawHash, addr string, at time.Time) (Saved, bool, error) {
	if rawHash == "" {
		return Saved{}, false, nil
	}
	r := &touchReq{hostname: hostname, rawHash: rawHash, addr: addr, at: at}
	if s.hints.matches(hostname, rawHash) {
		// This server stored or touched these bytes for the host last:
		// the batch's transaction peeks, on the writer's warm cache.
		r.peekInTx = true
	} else {
		// A read first: a new host, or one whose report changed, needs no
		// write transaction (the touch would change nothing).
		err := s.readQueryRow(ctx, qPeekTouch, []any{hostname, rawHash, at.Add(-TouchGranularity), addr},
			&r.hostID, &r.setID, &r.fresh)
		if errors.Is(err, sql.ErrNoRows) {
			return Saved{}, false, nil
		}
		if err != nil {
			if ferr := s.file.check(); ferr != nil {
				return Saved{}, false, ferr // the file went: say so, not the read's error
			}
			return Saved{}, false, fmt.Errorf("touch host: %w", err)
		}
	}
	out, touched, err := s.touches.touch(ctx, s, r)
	switch {
	case err != nil:
	case touched:
		s.hints.set(hostname, rawHash)
	case r.peekInTx:
		s.hints.set(hostname, "") // stale: the next re-send peeks first
	}
	return out, touched, err
}

// touchIn is one TouchUnchanged in tx.
func (s *Store) touchIn(ctx context.Context, tx *sql.Tx, r *touchReq) error {
	r.out, r.touched = Saved{}, false
	if r.peekInTx {
		err := s.txQueryRow(ctx, tx, qPeekTouch, []any{r.hostname, r.rawHash, r.at.Add(-TouchGranularity), r.addr},
			&r.hostID, &r.setID, &r.fresh)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // not this report's host (any more): not touched
		}
		if err != nil {
			return fmt.Errorf("touch host: %w", err)
		}
	}
	if r.fresh {
		// The peek found the row fresh: only the history record moves,
		// if the row still says so.
		st, err := s.prepared(ctx, tx, qTouchFresh)
		if err != nil {
			return err
		}
		res, err := st.ExecContext(ctx, r.at, r.addr, r.hostID, r.rawHash, r.at.Add(-TouchGranularity))
		if err != nil {
			return fmt.Errorf("extend report record: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("extend report record: %w", err)
		} else if n == 1 {
			r.touched, r.out = true, Saved{Change: HostUnchanged, HostID: r.hostID, PackageSetID: r.setID}
			return nil
		}
		// Moved meanwhile, or no history record: the general path says.
	}
	err := s.txQueryRow(ctx, tx, qTouchHostRaw, []any{r.at, r.addr, r.hostname, r.rawHash, r.at.Add(-TouchGranularity)},
		&r.out.HostID, &r.out.PackageSetID)
	if errors.Is(err, sql.ErrNoRows) {
		// Not this report's host, or touched less than the granularity
		// ago from the same address.
		err = s.txQueryRow(ctx, tx, qFindTouched, []any{r.hostname, r.rawHash}, &r.out.HostID, &r.out.PackageSetID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("touch host: %w", err)
	}
	r.touched, r.out.Change = true, HostUnchanged
	if err := s.txExec(ctx, tx, qExtendLastRecord, r.at, r.addr, r.out.HostID); err != nil {
		return fmt.Errorf("extend report record: %w", err)
	}
	return nil
}

// recordReport extends the host's last history record when this report is
// identical to it, and adds a record otherwise.
func (s *Store) recordReport(ctx context.Context, tx *sql.Tx, hostID int64, in Incoming,
	lastID sql.NullInt64, lastHeader, lastSet sql.NullString) error {
	if lastID.Valid && extendsRecord(in, lastHeader, lastSet) {
		err := s.txExec(ctx, tx, qExtendRecord, in.ReceivedAt, in.Host.ReporterAddr, in.ProxyAddr, lastID.Int64)
		if err != nil {
			return fmt.Errorf("extend report record: %w", err)
		}
		return nil
	}
	err := s.txExec(ctx, tx, qAddRecord, hostID, in.ReceivedAt, in.Host.ReporterAddr, in.ThroughProxy, in.Host.Protocol, in.packageCount(),
		in.HeaderHash, in.SetHash, in.ProxyAddr)
	if err != nil {
		return fmt.Errorf("add report record: %w", err)
	}
	return nil
}

// extendsRecord tells whether in, stored after a history record with
// these hashes, extends it (recordReport) rather than opening a new one.
func extendsRecord(in Incoming, lastHeader, lastSet sql.NullString) bool {
	return lastHeader.String == in.HeaderHash && lastSet.String == in.SetHash
}

// ErrSetVanished: the stored package set a report was found to have
// (KnownSet, before its transaction) was collected meanwhile; the caller
// parses the report's packages and saves it again.
var ErrSetVanished = errors.New("the report's package set was collected meanwhile")

// ensureSet returns the id of the package set with in.SetHash, creating it
// (and any catalogue packages it needs) when no host had it before; gen is
// the catalogue cache's generation the ids in fresh were learned in.
func (s *Store) ensureSet(ctx context.Context, tx *sql.Tx, in Incoming) (id int64, created bool, fresh map[model.Package]int64, gen int64, err error) {
	err = s.txQueryRow(ctx, tx, qFindSet, []any{in.SetHash}, &id)
	if err == nil {
		return id, false, nil, 0, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil, 0, fmt.Errorf("find package set: %w", err)
	}
	if in.Set != nil {
		s.knownSets.forget(in.PackagesHash)
		return 0, false, nil, 0, fmt.Errorf("package set %s: %w", in.Set.Hash, ErrSetVanished)
	}
	// Catalogue ids are read (from the cache too) under the catalogue
	// lock, which the collector takes alone (gc.go), and in the
	// catalogue's current generation.
	if q := s.engine.catalogueLock(false); q != "" {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, false, nil, 0, fmt.Errorf("catalogue lock: %w", err)
		}
	}
	if gen, err = catalogueGeneration(ctx, tx); err != nil {
		return 0, false, nil, 0, err
	}
	s.cache.sync(gen)
	ids, fresh, err := s.packageIDs(ctx, tx, in.Packages)
	if err != nil {
		return 0, false, nil, 0, err
	}
	if testHookAfterCatalogue != nil {
		testHookAfterCatalogue()
	}
	err = s.txQueryRow(ctx, tx, qAddSet, []any{in.SetHash, len(in.Packages), in.ReceivedAt, in.PackagesHash}, &id)
	if err != nil {
		return 0, false, nil, 0, fmt.Errorf("add package set: %w", err)
	}
	if err := s.insertMembers(ctx, tx, id, ids); err != nil {
		return 0, false, nil, 0, err
	}
	return id, true, fresh, gen, nil
}

// testHookAfterCatalogue lets a test fail a report half-way through.
var testHookAfterCatalogue func()

// siteID returns the id of the named site, creating the site on first
// use; read says the transaction read or created it (not the cache of
// sites): the caller caches it once the transaction committed (a site
// another report of a shared transaction created may yet be rolled back).
func (s *Store) siteID(ctx context.Context, tx *sql.Tx, name string, now time.Time) (id int64, read bool, err error) {
	s.mu.Lock()
	id, ok := s.sites[name]
	s.mu.Unlock()
	if ok {
		return id, false, nil
	}
	err = s.txQueryRow(ctx, tx, qFindSite, []any{name}, &id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("find site: %w", err)
	}
	err = s.txQueryRow(ctx, tx, qAddSite, []any{name, now}, &id)
	if err != nil {
		return 0, false, fmt.Errorf("add site: %w", err)
	}
	return id, true, nil
}

func nullBool(b *bool) sql.NullBool {
	if b == nil {
		return sql.NullBool{}
	}
	return sql.NullBool{Bool: *b, Valid: true}
}
