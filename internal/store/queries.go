package store

// The statements of the intake path, prepared once at Open.
const (
	qFindHost = `SELECT h.id, h.header_hash, ps.id, ps.hash,
		r.id, r.header_hash, r.set_hash, COALESCE(r.count, 0),
		h.os_group, h.kernel, h.protocol, h.site_id, h.findings_key, h.removed_at IS NULL,
		EXISTS (SELECT 1 FROM host_modules hm WHERE hm.host_id = h.id)
		FROM hosts h JOIN package_sets ps ON ps.id = h.package_set_id
		LEFT JOIN reports r ON r.id = (SELECT MAX(id) FROM reports WHERE host_id = h.id)
		WHERE h.hostname = $1`

	// qTouchHostFull and qUpsertHost add $5 (resp. $19) to the host's
	// reports_before: the count of its last history record when this
	// report opens a new one (0 otherwise; migration 0033).
	qTouchHostFull = `UPDATE hosts SET last_report = $1, reporter_addr = $2, raw_hash = $3, removed_at = NULL,
		reports_before = reports_before + $5
		WHERE id = $4`

	qUpsertHost = `INSERT INTO hosts (hostname, site_id, tag, os, os_id, os_version_id, arch,
		kernel, cpu, packager, reboot_required, reporter_addr, protocol, package_set_id, header_hash,
		raw_hash, os_group, first_report, last_report)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $17, $18, $16, $16)
		ON CONFLICT (hostname) DO UPDATE SET site_id = excluded.site_id, tag = excluded.tag, os = excluded.os,
		os_id = excluded.os_id, os_version_id = excluded.os_version_id, arch = excluded.arch,
		kernel = excluded.kernel, cpu = excluded.cpu, packager = excluded.packager,
		reboot_required = excluded.reboot_required, reporter_addr = excluded.reporter_addr,
		protocol = excluded.protocol, package_set_id = excluded.package_set_id,
		header_hash = excluded.header_hash, raw_hash = excluded.raw_hash, os_group = excluded.os_group,
		last_report = excluded.last_report, removed_at = NULL, reports_before = hosts.reports_before + $19,
		findings_key = CASE WHEN hosts.package_set_id = excluded.package_set_id AND hosts.os_group = excluded.os_group
			THEN hosts.findings_key ELSE '' END
		RETURNING id`

	// qTouchHostRaw moves a re-sent host's last report time only when it
	// moved by TouchGranularity or more ($5 is the time minus it), or the
	// host's address changed: the hosts row is wide and last_report
	// indexed, and a host re-sending within the granularity changes
	// nothing the hosts table is read for. qFindTouched then finds the
	// host the update left alone.
	qTouchHostRaw = `UPDATE hosts SET last_report = $1, reporter_addr = $2
		WHERE hostname = $3 AND raw_hash = $4 AND removed_at IS NULL AND (last_report <= $5 OR reporter_addr <> $2)
		RETURNING id, package_set_id`

	qFindTouched = `SELECT id, package_set_id FROM hosts WHERE hostname = $1 AND raw_hash = $2 AND removed_at IS NULL`

	// qPeekTouch is TouchUnchanged's read before any transaction: the
	// host whose stored report has these bytes, and whether its row is
	// fresh (moved less than TouchGranularity ago, $3 is the time minus
	// it, from the same address $4: the touch leaves the row alone). A
	// new host, or one whose report changed, costs this read only.
	qPeekTouch = `SELECT id, package_set_id, COALESCE(last_report > $3 AND reporter_addr = $4, FALSE) FROM hosts
		WHERE hostname = $1 AND raw_hash = $2 AND removed_at IS NULL`

	// qTouchFresh extends the last history record of a host the peek
	// found fresh, if its row still holds the report's bytes and is fresh
	// ($5: the time minus the granularity): one statement instead of
	// qTouchHostRaw's miss, qFindTouched and qExtendLastRecord.
	qTouchFresh = `UPDATE reports SET last_received = $1, count = count + 1, reporter_addr = $2
		WHERE id = (SELECT MAX(id) FROM reports WHERE host_id = $3)
		AND EXISTS (SELECT 1 FROM hosts WHERE id = $3 AND raw_hash = $4 AND removed_at IS NULL
			AND last_report > $5 AND reporter_addr = $2)`

	qExtendLastRecord = `UPDATE reports SET last_received = $1, count = count + 1, reporter_addr = $2
		WHERE id = (SELECT MAX(id) FROM reports WHERE host_id = $3)`

	qExtendRecord = `UPDATE reports SET last_received = $1, count = count + 1,
		reporter_addr = $2, proxy_addr = $3 WHERE id = $4`

	qAddRecord = `INSERT INTO reports (host_id, first_received, last_received, count,
		reporter_addr, through_proxy, protocol, package_count, header_hash, set_hash, proxy_addr)
		VALUES ($1, $2, $2, 1, $3, $4, $5, $6, $7, $8, $9)`

	qLastRecord = `SELECT id, header_hash, set_hash, count FROM reports
		WHERE id = (SELECT MAX(id) FROM reports WHERE host_id = $1)`

	qFindSet = `SELECT id FROM package_sets WHERE hash = $1`

	qAddSet = `INSERT INTO package_sets (hash, package_count, created_at, raw_hash)
		VALUES ($1, $2, $3, $4) RETURNING id`

	qFindSite = `SELECT id FROM sites WHERE name = $1`

	qAddSite = `INSERT INTO sites (name, created_at) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`
)

var hotStatements = []string{
	qFindHost, qTouchHostFull, qUpsertHost, qTouchHostRaw, qFindTouched, qPeekTouch, qTouchFresh, qExtendLastRecord, qExtendRecord, qAddRecord, qLastRecord, qFindSet, qAddSet, qFindSite, qAddSite,
}
