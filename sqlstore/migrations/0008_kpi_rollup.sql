-- Monthly rollups of the KPI dashboard (see sqlstore/kpi_rollup.go).
--
-- kpi_rollup holds, per metric and month ('YYYY-MM'), counts for the
-- grouping sets geo {all, country, region, country+region} x kind {all,
-- value} x field {all, value}: country, region, kind and field are a value
-- or '' for all. Organizations without a region are rolled up under region
-- '-', which no filter can ask for. dim names the breakdown (total, country,
-- kind, field, sector, partnership, stage, outcome, reason, tenths) and key
-- its value.
CREATE TABLE kpi_rollup (
    metric  TEXT NOT NULL,
    month   TEXT NOT NULL,
    country TEXT NOT NULL,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    field   TEXT NOT NULL,
    dim     TEXT NOT NULL,
    key     TEXT NOT NULL,
    n       BIGINT NOT NULL
);
-- A dashboard query fixes the four filter columns and reads a range of
-- months; n is in the index so that the query never reads the table.
CREATE INDEX kpi_rollup_filter ON kpi_rollup (country, region, kind, field, month, metric, dim, key, n);
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

-- Stalled introductions are counted live: open ones by the time their
-- stage last changed, with the listing to filter on.
CREATE INDEX introductions_open_changed ON introductions (stage_changed_at, stage, listing_id);
