-- Challenge calls: a call and the need listing that publishes it, the
-- proposals organizations submit, the reviewers the owner assigns to each
-- proposal, and their per-criterion scores.

CREATE TABLE calls (
    id                 {{pk}},
    org_id             BIGINT NOT NULL REFERENCES organizations (id),
    listing_id         BIGINT NOT NULL REFERENCES listings (id),
    theme              TEXT NOT NULL,
    background         TEXT NOT NULL DEFAULT '',
    language           TEXT NOT NULL,
    deadline           {{ts}} NOT NULL,
    time_zone          TEXT NOT NULL,
    budget             BIGINT NOT NULL DEFAULT 0,
    currency           TEXT NOT NULL,
    eligible_kinds     TEXT NOT NULL DEFAULT '[]',
    eligible_countries TEXT NOT NULL DEFAULT '[]',
    trl_min            INTEGER NOT NULL,
    trl_max            INTEGER NOT NULL,
    criteria           TEXT NOT NULL,
    ip_terms           TEXT NOT NULL DEFAULT '',
    created_by         BIGINT,
    created_at         {{ts}} NOT NULL,
    updated_at         {{ts}} NOT NULL,
    UNIQUE (listing_id)
);
CREATE INDEX calls_org ON calls (org_id, id);
CREATE INDEX calls_deadline ON calls (deadline);

CREATE TABLE proposals (
    id               {{pk}},
    call_id          BIGINT NOT NULL REFERENCES calls (id),
    org_id           BIGINT NOT NULL REFERENCES organizations (id),
    proposer_id      BIGINT NOT NULL REFERENCES users (id),
    summary          TEXT NOT NULL,
    approach         TEXT NOT NULL,
    trl              INTEGER NOT NULL,
    team             TEXT NOT NULL,
    related_listings TEXT NOT NULL DEFAULT '[]',
    budget_requested BIGINT NOT NULL DEFAULT 0,
    status           TEXT NOT NULL,
    feedback         TEXT NOT NULL DEFAULT '',
    introduction_id  BIGINT REFERENCES introductions (id),
    submitted_at     {{ts}},
    decided_at       {{ts}},
    created_at       {{ts}} NOT NULL,
    updated_at       {{ts}} NOT NULL,
    UNIQUE (call_id, org_id)
);
CREATE INDEX proposals_call ON proposals (call_id, id);
CREATE INDEX proposals_org ON proposals (org_id, id);

CREATE TABLE proposal_reviewers (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    user_id     BIGINT NOT NULL REFERENCES users (id),
    assigned_by BIGINT,
    assigned_at {{ts}} NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX proposal_reviewers_user ON proposal_reviewers (user_id, proposal_id);

CREATE TABLE proposal_reviews (
    id          {{pk}},
    proposal_id BIGINT NOT NULL REFERENCES proposals (id),
    reviewer_id BIGINT NOT NULL REFERENCES users (id),
    scores      TEXT NOT NULL,
    created_at  {{ts}} NOT NULL,
    updated_at  {{ts}} NOT NULL,
    UNIQUE (proposal_id, reviewer_id)
);
