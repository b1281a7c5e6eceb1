-- Kakehashi schema, version 1. Written once for both SQLite and PostgreSQL;
-- {{pk}}, {{ts}} and {{blob}} are replaced by each dialect's types.

CREATE TABLE organizations (
    id               {{pk}},
    external_id      TEXT UNIQUE,
    name             TEXT NOT NULL,
    local_name       TEXT NOT NULL DEFAULT '',
    aliases          TEXT NOT NULL DEFAULT '[]',
    kind             TEXT NOT NULL,
    country          TEXT NOT NULL,
    region           TEXT NOT NULL DEFAULT '',
    sectors          TEXT NOT NULL DEFAULT '[]',
    website          TEXT NOT NULL DEFAULT '',
    description      TEXT NOT NULL DEFAULT '',
    ror              TEXT NOT NULL DEFAULT '',
    corporate_number TEXT NOT NULL DEFAULT '',
    content_hash     TEXT NOT NULL,
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL
);
CREATE INDEX organizations_country ON organizations (country, id);

CREATE TABLE users (
    id            {{pk}},
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    org_id        BIGINT REFERENCES organizations (id),
    org_role      TEXT NOT NULL DEFAULT '',
    platform_role TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX users_org ON users (org_id, id);

CREATE TABLE sessions (
    token_hash {{blob}} PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at {{ts}} NOT NULL,
    expires_at {{ts}} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           {{pk}},
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   {{blob}} NOT NULL UNIQUE,
    created_at   {{ts}} NOT NULL,
    last_used_at {{ts}}
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

CREATE TABLE listings (
    id                {{pk}},
    external_id       TEXT UNIQUE,
    org_id            BIGINT NOT NULL REFERENCES organizations (id),
    side              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    summary           TEXT NOT NULL,
    body              TEXT NOT NULL,
    language          TEXT NOT NULL,
    keywords          TEXT NOT NULL,
    fields            TEXT NOT NULL,
    sectors           TEXT NOT NULL,
    trl               INTEGER NOT NULL,
    ip                TEXT NOT NULL,
    partnership_types TEXT NOT NULL,
    target_countries  TEXT NOT NULL,
    controlled        BOOLEAN NOT NULL,
    visibility        TEXT NOT NULL,
    status            TEXT NOT NULL,
    deadline          {{ts}},
    created_by        BIGINT REFERENCES users (id),
    content_hash      TEXT NOT NULL,
    created_at        {{ts}} NOT NULL,
    updated_at        {{ts}} NOT NULL
);
CREATE INDEX listings_org ON listings (org_id, id);
CREATE INDEX listings_side ON listings (side, id);

-- The change feed: one row per listing write, in commit order. Search
-- indexes follow it by sequence number.
CREATE TABLE listing_changes (
    seq        {{pk}},
    listing_id BIGINT NOT NULL,
    at         {{ts}} NOT NULL
);

CREATE TABLE audit_events (
    id          {{pk}},
    actor_id    BIGINT,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id   BIGINT NOT NULL,
    at          {{ts}} NOT NULL,
    details     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_record ON audit_events (record_type, record_id, id);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
