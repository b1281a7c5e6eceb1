-- Consortia: a lead organization, member organizations with roles and a
-- request/approval status, the listings of members the consortium shares as
-- its own, and its tasks (work packages). Funding calls published by funder
-- and government organizations.

CREATE TABLE consortia (
    id             {{pk}},
    lead_org_id    BIGINT NOT NULL REFERENCES organizations (id),
    title          TEXT NOT NULL,
    title_ja       TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL,
    description_ja TEXT NOT NULL DEFAULT '',
    fields         TEXT NOT NULL DEFAULT '[]',
    keywords       TEXT NOT NULL DEFAULT '[]',
    start_date     {{ts}} NOT NULL,
    end_date       {{ts}} NOT NULL,
    public         BOOLEAN NOT NULL,
    created_by     BIGINT,
    created_at     {{ts}} NOT NULL,
    updated_at     {{ts}} NOT NULL
);
CREATE INDEX consortia_lead ON consortia (lead_org_id, id);
CREATE INDEX consortia_created ON consortia (created_at);

CREATE TABLE consortium_members (
    consortium_id BIGINT NOT NULL REFERENCES consortia (id),
    org_id        BIGINT NOT NULL REFERENCES organizations (id),
    role          TEXT NOT NULL,
    status        TEXT NOT NULL,
    message       TEXT NOT NULL DEFAULT '',
    requested_by  BIGINT,
    decided_by    BIGINT,
    requested_at  {{ts}} NOT NULL,
    joined_at     {{ts}},
    PRIMARY KEY (consortium_id, org_id)
);
CREATE INDEX consortium_members_org ON consortium_members (org_id, consortium_id);

CREATE TABLE consortium_listings (
    consortium_id BIGINT NOT NULL REFERENCES consortia (id),
    listing_id    BIGINT NOT NULL REFERENCES listings (id),
    added_by      BIGINT,
    added_at      {{ts}} NOT NULL,
    PRIMARY KEY (consortium_id, listing_id)
);

CREATE TABLE consortium_tasks (
    id            {{pk}},
    consortium_id BIGINT NOT NULL REFERENCES consortia (id),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    owner_org_id  BIGINT NOT NULL REFERENCES organizations (id),
    status        TEXT NOT NULL,
    start_date    {{ts}} NOT NULL,
    due_date      {{ts}} NOT NULL,
    created_at    {{ts}} NOT NULL,
    updated_at    {{ts}} NOT NULL
);
CREATE INDEX consortium_tasks_consortium ON consortium_tasks (consortium_id, id);

CREATE TABLE funding_calls (
    id                 {{pk}},
    org_id             BIGINT NOT NULL REFERENCES organizations (id),
    programme          TEXT NOT NULL,
    programme_ja       TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL,
    eligible_kinds     TEXT NOT NULL DEFAULT '[]',
    eligible_countries TEXT NOT NULL DEFAULT '[]',
    amount_min         BIGINT NOT NULL,
    amount_max         BIGINT NOT NULL,
    currency           TEXT NOT NULL,
    deadline           {{ts}} NOT NULL,
    matching_required  BOOLEAN NOT NULL,
    fields             TEXT NOT NULL DEFAULT '[]',
    keywords           TEXT NOT NULL DEFAULT '[]',
    created_by         BIGINT,
    created_at         {{ts}} NOT NULL,
    updated_at         {{ts}} NOT NULL
);
CREATE INDEX funding_calls_org ON funding_calls (org_id, id);
CREATE INDEX funding_calls_deadline ON funding_calls (deadline);
