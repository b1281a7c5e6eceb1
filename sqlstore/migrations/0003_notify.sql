-- Outgoing notifications: e-mail and webhooks wait in an outbox written in
-- the same transaction as the change they report, so that nothing is lost
-- while a relay or a receiver is down; every attempt is logged.

CREATE TABLE webhooks (
    id         {{pk}},
    org_id     BIGINT NOT NULL REFERENCES organizations (id),
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT,
    created_at {{ts}} NOT NULL
);
CREATE INDEX webhooks_org ON webhooks (org_id, id);

CREATE TABLE outbox (
    id              {{pk}},
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    webhook_id      BIGINT REFERENCES webhooks (id),
    subject         TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    link            TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL DEFAULT '',
    event           TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at {{ts}} NOT NULL,
    locked_until    {{ts}},
    claim           TEXT NOT NULL DEFAULT '',
    sent_at         {{ts}},
    failed_at       {{ts}},
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      {{ts}} NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_webhook ON outbox (webhook_id, id);

CREATE TABLE deliveries (
    id        {{pk}},
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    attempt   INTEGER NOT NULL,
    at        {{ts}} NOT NULL,
    ok        BOOLEAN NOT NULL,
    status    INTEGER NOT NULL DEFAULT 0,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deliveries_outbox ON deliveries (outbox_id, id);

-- Saved alerts: "tell me about new seeds that match this need". last_seq is
-- the highest listing id already considered, so each seed is announced once.
CREATE TABLE alerts (
    id         {{pk}},
    user_id    BIGINT NOT NULL REFERENCES users (id),
    listing_id BIGINT NOT NULL REFERENCES listings (id),
    last_seq   BIGINT NOT NULL DEFAULT 0,
    created_at {{ts}} NOT NULL,
    UNIQUE (user_id, listing_id)
);
