-- Monthly rollups of the KPI dashboard (see sqlstore/kpi_rollup.go).
--
-- One row per month ('YYYY-MM') and grouping set: geo {all, country,
-- region, country+region} x kind {all, value} x field {all, value}, where
-- country, region, kind and field are a value or '' for all. figures holds
-- every count of the month under that filter as JSON: metric -> breakdown
-- -> key -> count. A dashboard query fixes the four filter columns and reads
-- one row per month of its range through the primary key.
CREATE TABLE kpi_rollup (
    country TEXT NOT NULL,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    field   TEXT NOT NULL,
    month   TEXT NOT NULL,
    figures TEXT NOT NULL,
    PRIMARY KEY (country, region, kind, field, month)
);
CREATE INDEX kpi_rollup_month ON kpi_rollup (month);

-- kpi_dirty lists the months whose rollups writes have invalidated; '*'
-- means every month. Append-only so that concurrent writers never wait for
-- each other; the refresher deletes the rows it has handled.
CREATE TABLE kpi_dirty (
    id    {{pk}},
    month TEXT NOT NULL
);
-- Everything already stored is rolled up by the first refresh.
INSERT INTO kpi_dirty (month) VALUES ('*');

-- Stalled introductions are counted live: the open ones by the time their
-- stage last changed, with their organization and their listing's fields
-- (kept on the introduction by the store, so that a field filter reads no
-- listing) to filter on.
ALTER TABLE introductions ADD COLUMN listing_fields TEXT NOT NULL DEFAULT '[]';
UPDATE introductions SET listing_fields = (SELECT l.fields FROM listings l WHERE l.id = introductions.listing_id);
CREATE INDEX introductions_stalled ON introductions (stage_changed_at, owner_org_id, listing_fields) WHERE stage <> 'closed';

-- Fact books: an organization's partners (those of its introductions that
-- reached introduced) and agreements, each side from its own index.
CREATE INDEX stage_events_reached ON stage_events (introduction_id, to_stage);
CREATE INDEX introductions_partners_owner ON introductions (owner_org_id, requester_org_id, id);
CREATE INDEX introductions_partners_requester ON introductions (requester_org_id, owner_org_id, id);
CREATE INDEX introductions_agreements_owner ON introductions (owner_org_id, agreement) WHERE agreement <> '';
CREATE INDEX introductions_agreements_requester ON introductions (requester_org_id, owner_org_id, agreement) WHERE agreement <> '';

-- An organization's fact book counts its listings by side and month, as
-- its viewer may see them, from this index alone.
CREATE INDEX listings_org_facts ON listings (org_id, created_at, side, status, visibility);

-- Fact books count an organization's listings by month from this rollup
-- (refreshed with kpi_rollup), by what decides who may see them; months
-- marked dirty are counted live from listings_org_facts.
CREATE TABLE kpi_org_listings (
    org_id     BIGINT NOT NULL,
    month      TEXT NOT NULL,
    side       TEXT NOT NULL,
    status     TEXT NOT NULL,
    visibility TEXT NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (org_id, month, side, status, visibility)
);
CREATE INDEX kpi_org_listings_month ON kpi_org_listings (month);
