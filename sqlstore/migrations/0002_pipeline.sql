-- The collaboration pipeline: interests and introductions, their stage
-- history and message threads, and the in-app notification inbox.

CREATE TABLE introductions (
    id                 {{pk}},
    listing_id         BIGINT NOT NULL REFERENCES listings (id),
    owner_org_id       BIGINT NOT NULL REFERENCES organizations (id),
    requester_id       BIGINT NOT NULL REFERENCES users (id),
    requester_org_id   BIGINT REFERENCES organizations (id),
    related_listing_id BIGINT REFERENCES listings (id),
    message            TEXT NOT NULL,
    stage              TEXT NOT NULL,
    outcome            TEXT NOT NULL DEFAULT '',
    reason             TEXT NOT NULL DEFAULT '',
    reason_text        TEXT NOT NULL DEFAULT '',
    agreement          TEXT NOT NULL DEFAULT '',
    coordinator_id     BIGINT REFERENCES users (id),
    stage_changed_at   {{ts}} NOT NULL,
    reminded_at        {{ts}},
    created_at         {{ts}} NOT NULL,
    updated_at         {{ts}} NOT NULL
);
CREATE INDEX introductions_listing ON introductions (listing_id, id);
CREATE INDEX introductions_requester ON introductions (requester_id, id);
CREATE INDEX introductions_owner ON introductions (owner_org_id, id);
CREATE INDEX introductions_stage ON introductions (stage, stage_changed_at);

CREATE TABLE stage_events (
    id              {{pk}},
    introduction_id BIGINT NOT NULL REFERENCES introductions (id),
    actor_id        BIGINT,
    from_stage      TEXT NOT NULL,
    to_stage        TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    at              {{ts}} NOT NULL
);
CREATE INDEX stage_events_introduction ON stage_events (introduction_id, id);

CREATE TABLE messages (
    id              {{pk}},
    introduction_id BIGINT NOT NULL REFERENCES introductions (id),
    author_id       BIGINT NOT NULL REFERENCES users (id),
    body            TEXT NOT NULL,
    created_at      {{ts}} NOT NULL
);
CREATE INDEX messages_introduction ON messages (introduction_id, id);

CREATE TABLE notifications (
    id         {{pk}},
    user_id    BIGINT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    created_at {{ts}} NOT NULL,
    read_at    {{ts}}
);
CREATE INDEX notifications_user ON notifications (user_id, id);
