-- The hash of the package lines exactly as first received (with the
-- protocol), so that a new host sending byte-identical lines skips parsing
-- them.
ALTER TABLE package_sets ADD COLUMN raw_hash TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX package_sets_raw_hash ON package_sets (raw_hash);
