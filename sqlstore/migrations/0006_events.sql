-- Business-matching events and online fairs: the event, its registered
-- participants with their availability, meeting requests, the generated
-- schedule, and fair listing views counted once per visitor and day (the
-- visitor is an HMAC, never an IP address in the clear).

CREATE TABLE events (
    id              {{pk}},
    org_id          BIGINT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    online          BOOLEAN NOT NULL DEFAULT FALSE,
    venue           TEXT NOT NULL DEFAULT '',
    time_zone       TEXT NOT NULL,
    start_date      TEXT NOT NULL,
    end_date        TEXT NOT NULL,
    day_start       TEXT NOT NULL,
    day_end         TEXT NOT NULL,
    breaks          TEXT NOT NULL DEFAULT '[]',
    meeting_minutes INTEGER NOT NULL,
    tables          INTEGER NOT NULL,
    created_by      BIGINT,
    created_at      {{ts}} NOT NULL,
    updated_at      {{ts}} NOT NULL
);
CREATE INDEX events_org ON events (org_id, id);

CREATE TABLE event_participants (
    id          {{pk}},
    event_id    BIGINT NOT NULL REFERENCES events (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    org_id      BIGINT REFERENCES organizations (id),
    name        TEXT NOT NULL DEFAULT '',
    profile     TEXT NOT NULL DEFAULT '',
    listing_ids TEXT NOT NULL DEFAULT '[]',
    available   TEXT NOT NULL DEFAULT 'null',
    created_at  {{ts}} NOT NULL,
    UNIQUE (event_id, user_id)
);

CREATE TABLE meeting_requests (
    id         {{pk}},
    event_id   BIGINT NOT NULL REFERENCES events (id),
    from_id    BIGINT NOT NULL REFERENCES event_participants (id),
    to_id      BIGINT NOT NULL REFERENCES event_participants (id),
    reason     TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at {{ts}} NOT NULL,
    decided_at {{ts}},
    UNIQUE (event_id, from_id, to_id)
);
CREATE INDEX meeting_requests_event ON meeting_requests (event_id, id);

CREATE TABLE event_meetings (
    id              {{pk}},
    event_id        BIGINT NOT NULL REFERENCES events (id),
    request_id      BIGINT NOT NULL REFERENCES meeting_requests (id),
    slot            INTEGER NOT NULL,
    table_no        INTEGER NOT NULL,
    pinned          BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL,
    introduction_id BIGINT REFERENCES introductions (id),
    updated_at      {{ts}} NOT NULL,
    UNIQUE (request_id)
);
CREATE INDEX event_meetings_event ON event_meetings (event_id, slot);

CREATE TABLE fair_views (
    event_id     BIGINT NOT NULL REFERENCES events (id),
    listing_id   BIGINT NOT NULL REFERENCES listings (id),
    day          TEXT NOT NULL,
    visitor_hash TEXT NOT NULL,
    UNIQUE (event_id, listing_id, day, visitor_hash)
);
