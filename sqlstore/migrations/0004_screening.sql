-- Export-control screening: restricted-party list versions and their
-- entries, organizations' screening results with reviewers' decisions, and
-- the hold an unresolved screening puts on an introduction.

CREATE TABLE screening_lists (
    id        {{pk}},
    name      TEXT NOT NULL,
    format    TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    entries   INTEGER NOT NULL,
    loaded_at {{ts}} NOT NULL
);
CREATE INDEX screening_lists_name ON screening_lists (name, id);

CREATE TABLE screening_entries (
    id        {{pk}},
    list_id   BIGINT NOT NULL REFERENCES screening_lists (id),
    entry_id  TEXT NOT NULL,
    source    TEXT NOT NULL DEFAULT '',
    type      TEXT NOT NULL DEFAULT '',
    name      TEXT NOT NULL,
    aliases   TEXT NOT NULL DEFAULT '[]',
    country   TEXT NOT NULL DEFAULT '',
    programs  TEXT NOT NULL DEFAULT '[]',
    addresses TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX screening_entries_list ON screening_entries (list_id, id);

CREATE TABLE screening_results (
    id              {{pk}},
    org_id          BIGINT NOT NULL REFERENCES organizations (id),
    list_version    BIGINT NOT NULL,
    status          TEXT NOT NULL,
    hits            TEXT NOT NULL DEFAULT '[]',
    screened_at     {{ts}} NOT NULL,
    decision        TEXT NOT NULL DEFAULT '',
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by      BIGINT REFERENCES users (id),
    decided_at      {{ts}}
);
CREATE INDEX screening_results_org ON screening_results (org_id, id);

ALTER TABLE introductions ADD COLUMN hold TEXT NOT NULL DEFAULT '';
