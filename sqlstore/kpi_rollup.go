package sqlstore

import (
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi"
)

// The KPI dashboard reads monthly rollups (table kpi_rollup, migration
// 0008) instead of the records: one row per month and grouping set (geo
// {all, country, region, country+region} x kind {all, value} x field {all,
// value}),
// holding every count of that month under that filter as JSON (metric ->
// breakdown -> key -> count). A dashboard query fixes country, region, kind
// and field (a value or '' for all) and reads one row per month of its
// range through the primary key, whatever the number of listings.
//
// One row per key instead, as first built, came to 66 rows per listing on
// sparse data (50,000 listings: 3.7 million rows, 7 s to refresh a month):
// the field filter times the field, sector and partnership breakdowns times
// the geo/kind sets. Packing a month's keys into one row keeps the rows to
// the number of filter combinations that occur.
//
// Writes mark the months they invalidate in kpi_dirty within their own
// transaction; RefreshKPIs recomputes those months. The database counts
// every figure with SELECT … GROUP BY at the finest grouping set (country,
// region, kind, and the listing's field and category lists as stored); the
// lists are split and the coarser sets summed while the month's rows are
// packed, as KPIsDirect splits the lists too.

// kpiRefreshLock is the PostgreSQL advisory lock a refresher holds while it
// rebuilds one month, so that two replicas refreshing at once do not
// interleave their deletes and inserts.
const kpiRefreshLock = 7_243_008

// kpiAsOfKey is the meta key holding the time of the last refresh.
const kpiAsOfKey = "kpi:as_of"

// Rollup metric names.
const (
	kpiListings      = "listings"
	kpiInterests     = "interests"
	kpiIntroductions = "introductions"
	kpiAgreements    = "agreements"
	kpiFunnel        = "funnel"
	kpiResponse      = "response_tenths"
	kpiToAgreement   = "agreement_tenths"
	kpiDeclined      = "declined"
)

// kpiSource is where a metric's facts come from for one month: the tables
// after FROM (always naming the listing l and its organization o) and the
// join and range condition, with the month's bounds as $1 and $2.
type kpiSource struct {
	metric string
	from   string
	where  string
	// dim is the one breakdown of the metric; nil means total, country,
	// kind, field, sector and partnership type.
	dim *kpiDim
}

// kpiDim is a breakdown of a metric whose key is a SQL expression.
type kpiDim struct {
	name string
	key  string
}

// The sources join with CROSS JOIN and conditions in WHERE: the same join
// for PostgreSQL, and for SQLite the order to take the tables in, from the
// month's range on the first (its planner otherwise starts from the
// organizations and reads every listing).
const (
	kpiFromListings = `listings l CROSS JOIN organizations o`
	kpiOnListings   = `o.id = l.org_id AND `
	kpiFromIntros   = `introductions i CROSS JOIN listings l CROSS JOIN organizations o`
	kpiOnIntros     = `l.id = i.listing_id AND o.id = l.org_id AND `
	kpiFromEvents   = `stage_events e CROSS JOIN introductions i CROSS JOIN listings l CROSS JOIN organizations o`
	kpiOnEvents     = `i.id = e.introduction_id AND l.id = i.listing_id AND o.id = l.org_id AND `
	// Interests with their stage events.
	kpiFromIntroEvents = `introductions i CROSS JOIN listings l CROSS JOIN organizations o CROSS JOIN stage_events e`
	kpiOnIntroEvents   = `l.id = i.listing_id AND o.id = l.org_id AND e.introduction_id = i.id AND `
)

// kpiSources lists every metric of the rollup. The tenths breakdowns are
// duration histograms.
func (db *DB) kpiSources() []kpiSource {
	tenths := kpiDim{name: "tenths", key: db.tenthsOfDay("i.created_at", "e.at")}
	return []kpiSource{
		{kpiListings, kpiFromListings, kpiOnListings + `l.created_at >= $1 AND l.created_at < $2`, nil},
		{kpiInterests, kpiFromIntros, kpiOnIntros + `i.created_at >= $1 AND i.created_at < $2`, nil},
		{kpiIntroductions, kpiFromEvents, kpiOnEvents + `e.at >= $1 AND e.at < $2 AND e.to_stage = 'introduced'`, nil},
		{kpiAgreements, kpiFromEvents, kpiOnEvents + `e.at >= $1 AND e.at < $2 AND e.to_stage = 'agreement'`, nil},
		// The funnel: interests created in the month by the stages they
		// reached (whenever) and by whether they were won.
		{kpiFunnel, kpiFromIntroEvents, kpiOnIntroEvents + `i.created_at >= $1 AND i.created_at < $2`, &kpiDim{name: "stage", key: "e.to_stage"}},
		{kpiFunnel, kpiFromIntros, kpiOnIntros + `i.created_at >= $1 AND i.created_at < $2 AND i.outcome = 'won'`, &kpiDim{name: "outcome", key: "i.outcome"}},
		{kpiResponse, kpiFromIntroEvents, kpiOnIntroEvents + `i.created_at >= $1 AND i.created_at < $2 AND e.from_stage = 'interest' AND e.to_stage IN ('introduced', 'closed')`,
			&tenths},
		{kpiToAgreement, kpiFromEvents, kpiOnEvents + `e.at >= $1 AND e.at < $2 AND e.to_stage = 'agreement'`, &tenths},
		{kpiDeclined, kpiFromIntros, kpiOnIntros + `i.stage_changed_at >= $1 AND i.stage_changed_at < $2 AND i.outcome = 'declined'`,
			&kpiDim{name: "reason", key: "i.reason"}},
	}
}

// tenthsOfDay and monthOf are the only KPI SQL that differs between the
// dialects.

// monthOf is the UTC month (YYYY-MM) of timestamp column col. SQLite stores
// timestamps as text in UTC, "2006-01-02 15:04:05…".
func (db *DB) monthOf(col string) string {
	if db.dialect == Postgres {
		return fmt.Sprintf("to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM')", col)
	}
	return fmt.Sprintf("substr(%s, 1, 7)", col)
}

// tenthsOfDay is the text of the duration from start to end, both truncated
// to whole seconds, in whole tenths of a day (8,640 s, truncated).
func (db *DB) tenthsOfDay(start, end string) string {
	if db.dialect == Postgres {
		return fmt.Sprintf("CAST(div(CAST(floor(extract(epoch FROM %s)) AS BIGINT) - CAST(floor(extract(epoch FROM %s)) AS BIGINT), 8640) AS TEXT)", end, start)
	}
	return fmt.Sprintf("CAST((CAST(strftime('%%s', %s) AS INTEGER) - CAST(strftime('%%s', %s) AS INTEGER)) / 8640 AS TEXT)", end, start)
}

// tenthsBetween is tenthsOfDay computed in Go, for the direct computation.
func tenthsBetween(start, end time.Time) int64 {
	return (end.Unix() - start.Unix()) / 8640
}

// kpiMonth formats the rollup month of t.
func kpiMonth(t time.Time) string { return t.UTC().Format(kakehashi.KPIMonthLayout) }
