-- A listing's external id names it within its organization only: two
-- organizations may use the same one, and nobody learns from a refused
-- write that another organization's (perhaps confidential or draft) listing
-- has it. The column moves to a new one under a unique index on
-- (org_id, external_id). The old column, unique across organizations, stays
-- behind always empty (several NULLs never clash): SQLite cannot drop a
-- UNIQUE column without rebuilding the table, which other tables reference.
-- The number of this migration is reserved for the redaction branch.

ALTER TABLE listings RENAME COLUMN external_id TO external_id_unscoped;
ALTER TABLE listings ADD COLUMN external_id TEXT;
UPDATE listings SET external_id = external_id_unscoped, external_id_unscoped = NULL WHERE external_id_unscoped IS NOT NULL;
CREATE UNIQUE INDEX listings_org_external_id ON listings (org_id, external_id);
