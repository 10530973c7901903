-- What RPM matching needs of a record besides its arch: the module stream
-- it applies to ('' for non-modular packages) and when the vendor issued
-- or last changed it (NULL when the source does not say).
-- (Numbered 0006 on the rpmdrivers branch: the lead renumbers at merge.)
ALTER TABLE advisories ADD COLUMN module TEXT NOT NULL DEFAULT '';
ALTER TABLE advisories ADD COLUMN published TIMESTAMP;
