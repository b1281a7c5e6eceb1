-- Researcher profiles: people (with or without a user account) at an
-- organization, with their expertise, openness to collaboration and
-- publications, and the seeds they are behind. ORCID iDs and OpenAlex author
-- ids are unique when present: imports deduplicate on them.

CREATE TABLE researchers (
    id                      {{pk}},
    user_id                 BIGINT UNIQUE REFERENCES users (id),
    org_id                  BIGINT REFERENCES organizations (id),
    name                    TEXT NOT NULL,
    name_ja                 TEXT NOT NULL DEFAULT '',
    position                TEXT NOT NULL DEFAULT '',
    career_stage            TEXT NOT NULL,
    bio                     TEXT NOT NULL DEFAULT '',
    keywords                TEXT NOT NULL DEFAULT '[]',
    fields                  TEXT NOT NULL DEFAULT '[]',
    languages               TEXT NOT NULL DEFAULT '[]',
    orcid                   TEXT UNIQUE,
    openalex_id             TEXT UNIQUE,
    open_industry           BOOLEAN NOT NULL DEFAULT FALSE,
    open_cross_appointment  BOOLEAN NOT NULL DEFAULT FALSE,
    open_startup            BOOLEAN NOT NULL DEFAULT FALSE,
    publications            TEXT NOT NULL DEFAULT '[]',
    created_by              BIGINT,
    created_at              {{ts}} NOT NULL,
    updated_at              {{ts}} NOT NULL
);
CREATE INDEX researchers_org ON researchers (org_id, id);

CREATE TABLE researcher_listings (
    researcher_id BIGINT NOT NULL REFERENCES researchers (id),
    listing_id    BIGINT NOT NULL REFERENCES listings (id),
    created_at    {{ts}} NOT NULL,
    PRIMARY KEY (researcher_id, listing_id)
);
CREATE INDEX researcher_listings_listing ON researcher_listings (listing_id, researcher_id);
