-- Background jobs (internal/jobs): one lease per job, held by one server
-- at a time and taken over after it expires; one row per run of a job per
-- schedule period, so that a period is never run twice.

-- expires_ms is Unix milliseconds by the holder's clock, the same integer
-- on both engines.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_ms  INTEGER NOT NULL,
    acquired_at TIMESTAMP NOT NULL,
    renewed_at  TIMESTAMP NOT NULL
);

-- period_ms is the start of the schedule period (Unix milliseconds, a
-- multiple of the job's interval); outcome is running, ok, failed or
-- canceled (a run whose holder died stays running).
CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT NOT NULL,
    period_ms   INTEGER NOT NULL,
    holder      TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome     TEXT NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    UNIQUE (job, period_ms)
);
