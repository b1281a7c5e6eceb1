-- Monthly rollups of the KPI dashboard (see sqlstore/kpi_rollup.go).
--
-- One row per month ('YYYY-MM') and grouping set: geo {all, country,
-- country+region} x kind {all, value} x field {all, value}, where country,
-- region, kind and field are a value or '' for all. figures holds every
-- count of the month under that filter as JSON: metric -> breakdown -> key
-- -> count. A dashboard query fixes the four filter columns and reads one
-- row per month of its range through the primary key; a region without a
-- country sums its country+region rows through kpi_rollup_region.
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
CREATE INDEX kpi_rollup_region ON kpi_rollup (region, kind, field, month);

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
-- stage last changed, with their organization and listing to filter on.
CREATE INDEX introductions_stalled ON introductions (stage_changed_at, owner_org_id, listing_id) WHERE stage <> 'closed';

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
