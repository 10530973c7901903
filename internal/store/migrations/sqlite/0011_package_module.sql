-- RPM modules (issue 9 §3). A catalogue package's module stream
-- ("nodejs:12"), as a protocol-6 report's MODULARITYLABEL column gives
-- it; '' when not reported. It is not part of the package's identity
-- (the UNIQUE of 0001 stays): a build belongs to one module, so the
-- first report that names it sets it on the build's row, which reports
-- without the label (older clients) share (catalogue.go).
ALTER TABLE packages ADD COLUMN module TEXT NOT NULL DEFAULT '';

-- The enabled module streams a host reported (protocol 6 modules:
-- header), "name:stream" separated by spaces, '' for none enabled. No
-- row: the host did not say (protocol 5, or no /etc/dnf/modules.d).
CREATE TABLE host_modules (
    host_id INTEGER NOT NULL PRIMARY KEY REFERENCES hosts (id) ON DELETE CASCADE,
    streams TEXT NOT NULL
);
