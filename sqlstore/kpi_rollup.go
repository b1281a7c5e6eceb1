package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// The KPI dashboard reads monthly rollups (table kpi_rollup, migration
// 0008) instead of the records: a dashboard query fixes country, region,
// kind and field (a value or '' for all) and sums a range of months, so it
// reads months × keys index entries whatever the number of listings.
//
// Writes mark the months they invalidate in kpi_dirty within their own
// transaction; RefreshKPIs recomputes those months from the records with
// INSERT … SELECT … GROUP BY. Counts are additive, so the finest grouping
// set (country, region, kind) is computed from the records and the coarser
// ones are sums of it.

// kpiRefreshLock is the PostgreSQL advisory lock a refresher holds while it
// rebuilds one month, so that two replicas refreshing at once do not
// interleave their deletes and inserts.
const kpiRefreshLock = 7_243_008

// kpiAsOfKey is the meta key holding the time of the last refresh.
const kpiAsOfKey = "kpi:as_of"

// kpiNoRegion is the region the rollups file organizations without one
// under, so that they do not collide with '' (all regions).
const kpiNoRegion = "-"

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

// kpiSource is where a metric's facts come from for one month: the joins
// after FROM (always naming the listing l and its organization o) and the
// condition, with the month's bounds as $1 and $2.
type kpiSource struct {
	metric string
	from   string
	where  string
	dims   []kpiDim
}

// kpiDim is a breakdown of a metric: key is a SQL expression, or explode
// names a JSON array column of l whose elements are the keys.
type kpiDim struct {
	name    string
	key     string
	explode string
}

const (
	kpiFromListings = `listings l JOIN organizations o ON o.id = l.org_id`
	kpiFromIntros   = `introductions i JOIN listings l ON l.id = i.listing_id JOIN organizations o ON o.id = l.org_id`
	kpiFromEvents   = `stage_events e JOIN introductions i ON i.id = e.introduction_id JOIN listings l ON l.id = i.listing_id
		JOIN organizations o ON o.id = l.org_id`
	kpiFromIntroEvents = `introductions i JOIN listings l ON l.id = i.listing_id JOIN organizations o ON o.id = l.org_id
		JOIN stage_events e ON e.introduction_id = i.id`
)

// kpiBreakdowns are the breakdowns of the four counted metrics.
var kpiBreakdowns = []kpiDim{
	{name: "total", key: "''"},
	{name: "country", key: "o.country"},
	{name: "kind", key: "o.kind"},
	{name: "field", explode: "l.fields"},
	{name: "sector", explode: "l.sectors"},
	{name: "partnership", explode: "l.partnership_types"},
}

// kpiSources lists every metric of the rollup. The tenths dimensions are
// duration histograms; tenths is replaced by the dialect's expression.
func (db *DB) kpiSources() []kpiSource {
	tenths := kpiDim{name: "tenths", key: db.tenthsOfDay("i.created_at", "e.at")}
	return []kpiSource{
		{kpiListings, kpiFromListings, `l.created_at >= $1 AND l.created_at < $2`, kpiBreakdowns},
		{kpiInterests, kpiFromIntros, `i.created_at >= $1 AND i.created_at < $2`, kpiBreakdowns},
		{kpiIntroductions, kpiFromEvents, `e.at >= $1 AND e.at < $2 AND e.to_stage = 'introduced'`, kpiBreakdowns},
		{kpiAgreements, kpiFromEvents, `e.at >= $1 AND e.at < $2 AND e.to_stage = 'agreement'`, kpiBreakdowns},
		// The funnel: interests created in the month by the stages they
		// reached (whenever) and by whether they were won.
		{kpiFunnel, kpiFromIntroEvents, `i.created_at >= $1 AND i.created_at < $2`, []kpiDim{{name: "stage", key: "e.to_stage"}}},
		{kpiFunnel, kpiFromIntros, `i.created_at >= $1 AND i.created_at < $2 AND i.outcome = 'won'`, []kpiDim{{name: "outcome", key: "i.outcome"}}},
		{kpiResponse, kpiFromIntroEvents, `i.created_at >= $1 AND i.created_at < $2 AND e.from_stage = 'interest' AND e.to_stage IN ('introduced', 'closed')`,
			[]kpiDim{tenths}},
		{kpiToAgreement, kpiFromEvents, `e.at >= $1 AND e.at < $2 AND e.to_stage = 'agreement'`, []kpiDim{tenths}},
		{kpiDeclined, kpiFromIntros, `i.stage_changed_at >= $1 AND i.stage_changed_at < $2 AND i.outcome = 'declined'`,
			[]kpiDim{{name: "reason", key: "i.reason"}}},
	}
}

// The only dialect-specific SQL of the rollups, kept in these two helpers:
// splitting a JSON array column into rows, and a duration in tenths of a day.

// jsonElements returns a join that yields one row per element of the JSON
// array in col, as alias.value.
func (db *DB) jsonElements(col, alias string) string {
	if db.dialect == Postgres {
		return fmt.Sprintf("CROSS JOIN LATERAL jsonb_array_elements_text(%s::jsonb) AS %s(value)", col, alias)
	}
	return fmt.Sprintf("CROSS JOIN json_each(%s) AS %s", col, alias)
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

// markKPIMonths marks the months of times dirty within tx.
func (db *DB) markKPIMonths(ctx context.Context, tx *sql.Tx, times ...time.Time) error {
	var seen []string
	for _, t := range times {
		m := kpiMonth(t)
		if slices.Contains(seen, m) {
			continue
		}
		seen = append(seen, m)
		if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_dirty (month) VALUES ($1)`, m); err != nil {
			return fmt.Errorf("mark KPI month %s: %w", m, err)
		}
	}
	return nil
}

// markKPIRange marks every month from the one of from to the one of to.
func (db *DB) markKPIRange(ctx context.Context, tx *sql.Tx, from, to time.Time) error {
	var times []time.Time
	for m := monthStart(from); !m.After(to); m = m.AddDate(0, 1, 0) {
		times = append(times, m)
	}
	return db.markKPIMonths(ctx, tx, times...)
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// kpiIntroChanged marks the months an introduction's stage change at at
// affects: its own and the one the introduction was created in (funnel and
// response time count by creation).
func (db *DB) kpiIntroChanged(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	var created time.Time
	if err := tx.QueryRowContext(ctx, `SELECT created_at FROM introductions WHERE id = $1`, id).Scan(&created); err != nil {
		return fmt.Errorf("mark KPI months of introduction %d: %w", id, err)
	}
	return db.markKPIMonths(ctx, tx, at, created)
}

// kpiListingChanging is called before listing l is overwritten: when its
// organization or a category the dashboard breaks down by changes, it marks
// the listing's month and those of its pipeline, which all lie between its
// first introduction and now.
func (db *DB) kpiListingChanging(ctx context.Context, tx *sql.Tx, l *kakehashi.Listing) error {
	var org int64
	var fields, sectors, partners string
	var created time.Time
	err := tx.QueryRowContext(ctx, `SELECT org_id, fields, sectors, partnership_types, created_at FROM listings WHERE id = $1`, l.ID).
		Scan(&org, &fields, &sectors, &partners, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the update reports it
	}
	if err != nil {
		return fmt.Errorf("mark KPI months of listing %d: %w", l.ID, err)
	}
	if org == l.OrgID && fields == jsonText(l.Fields) && sectors == jsonText(l.Sectors) && partners == jsonText(l.PartnershipTypes) {
		return nil
	}
	if err := db.markKPIMonths(ctx, tx, created); err != nil {
		return err
	}
	var first []time.Time
	rows, err := tx.QueryContext(ctx, `SELECT created_at FROM introductions WHERE listing_id = $1 ORDER BY created_at LIMIT 1`, l.ID)
	if err != nil {
		return fmt.Errorf("mark KPI months of listing %d: %w", l.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return err
		}
		first = append(first, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if len(first) == 0 {
		return nil
	}
	return db.markKPIRange(ctx, tx, first[0], db.now())
}

// kpiOrgChanging is called before organization o is overwritten: when its
// country, region or kind changes, every month from its first listing to
// now is marked.
func (db *DB) kpiOrgChanging(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization) error {
	var kind, country, region string
	err := tx.QueryRowContext(ctx, `SELECT kind, country, region FROM organizations WHERE id = $1`, o.ID).Scan(&kind, &country, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the update reports it
	}
	if err != nil {
		return fmt.Errorf("mark KPI months of organization %d: %w", o.ID, err)
	}
	if kind == string(o.Kind) && country == o.Country && region == o.Region {
		return nil
	}
	first, ok, err := firstTime(ctx, tx, `SELECT created_at FROM listings WHERE org_id = $1 ORDER BY created_at LIMIT 1`, o.ID)
	if err != nil || !ok {
		return err
	}
	return db.markKPIRange(ctx, tx, first, db.now())
}

// firstTime runs q, which selects one timestamp column, and returns its
// first row. (MIN() would lose the column type on SQLite.)
func firstTime(ctx context.Context, qr rowQuerier, q string, args ...any) (time.Time, bool, error) {
	var t time.Time
	err := qr.QueryRowContext(ctx, q, args...).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("kpi months: %w", err)
	}
	return t.UTC(), true, nil
}

// KPIRefresh reports what RefreshKPIs did.
type KPIRefresh struct {
	// Months recomputed, oldest first.
	Months []string
	// AsOf is the time the refresh started: the figures include every
	// write committed before it.
	AsOf time.Time
}

// RefreshKPIs recomputes the rollups of every month marked dirty, one
// transaction per month, and records the time it started as the figures'
// as-of time. A write committed while it runs leaves its mark for the next
// refresh.
func (db *DB) RefreshKPIs(ctx context.Context) (*KPIRefresh, error) {
	r := &KPIRefresh{AsOf: db.now()}
	rows, err := db.db.QueryContext(ctx, `SELECT id, month FROM kpi_dirty`)
	if err != nil {
		return nil, fmt.Errorf("read dirty KPI months: %w", err)
	}
	var maxID int64
	all := false
	months := map[string]bool{}
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read dirty KPI months: %w", err)
		}
		maxID = max(maxID, id)
		if m == "*" {
			all = true
		} else {
			months[m] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read dirty KPI months: %w", err)
	}
	if all {
		if err := db.allKPIMonths(ctx, months, r.AsOf); err != nil {
			return nil, err
		}
	}
	for m := range months {
		r.Months = append(r.Months, m)
	}
	slices.Sort(r.Months)
	for _, m := range r.Months {
		if err := db.refreshKPIMonth(ctx, m, maxID); err != nil {
			return nil, err
		}
	}
	if all {
		if _, err := db.db.ExecContext(ctx, `DELETE FROM kpi_dirty WHERE month = '*' AND id <= $1`, maxID); err != nil {
			return nil, fmt.Errorf("clear dirty KPI months: %w", err)
		}
	}
	if err := db.SetMeta(ctx, kpiAsOfKey, r.AsOf.Format(time.RFC3339Nano)); err != nil {
		return nil, err
	}
	return r, nil
}

// allKPIMonths adds to months every month that may hold figures: from the
// first listing (everything else follows a listing) to the latest record or
// now, and every month already rolled up.
func (db *DB) allKPIMonths(ctx context.Context, months map[string]bool, now time.Time) error {
	first, ok, err := firstTime(ctx, db.db, `SELECT created_at FROM listings ORDER BY created_at LIMIT 1`)
	if err != nil {
		return err
	}
	if ok {
		last := now
		for _, q := range []string{`SELECT created_at FROM listings ORDER BY created_at DESC LIMIT 1`,
			`SELECT created_at FROM introductions ORDER BY created_at DESC LIMIT 1`,
			`SELECT at FROM stage_events ORDER BY at DESC LIMIT 1`} {
			t, ok, err := firstTime(ctx, db.db, q)
			if err != nil {
				return err
			}
			if ok && t.After(last) {
				last = t
			}
		}
		for m := monthStart(first); !m.After(last); m = m.AddDate(0, 1, 0) {
			months[kpiMonth(m)] = true
		}
	}
	rows, err := db.db.QueryContext(ctx, `SELECT DISTINCT month FROM kpi_rollup`)
	if err != nil {
		return fmt.Errorf("read KPI months: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		months[m] = true
	}
	return rows.Err()
}

// kpiDerived are the coarser grouping sets, each a sum over a finer one
// already in the month: the select list, the condition picking the finer
// rows and the grouping. The finest set (country, region, kind) has all
// three set.
var kpiDerived = []struct{ cols, cond, group string }{
	{`country, '', kind`, `country <> '' AND region <> '' AND kind <> ''`, `country, kind`},
	{`'', region, kind`, `country <> '' AND region <> '' AND kind <> ''`, `region, kind`},
	{`country, region, ''`, `country <> '' AND region <> '' AND kind <> ''`, `country, region`},
	{`'', region, ''`, `country = '' AND region <> '' AND kind <> ''`, `region`},
	{`country, '', ''`, `country <> '' AND region = '' AND kind <> ''`, `country`},
	{`'', '', kind`, `country <> '' AND region = '' AND kind <> ''`, `kind`},
	{`'', '', ''`, `country <> '' AND region = '' AND kind = ''`, ``},
}

// refreshKPIMonth rebuilds the rollups of month m (YYYY-MM) in one
// transaction and clears its dirty marks up to id maxID.
func (db *DB) refreshKPIMonth(ctx context.Context, m string, maxID int64) error {
	start, err := time.Parse(kakehashi.KPIMonthLayout, m)
	if err != nil {
		return fmt.Errorf("refresh KPIs: bad month %q", m)
	}
	end := start.AddDate(0, 1, 0)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, kpiRefreshLock); err != nil {
				return fmt.Errorf("lock KPI refresh: %w", err)
			}
		}
		// Marks first: on PostgreSQL a write whose mark this does not see
		// has not committed, and keeps its mark for the next refresh.
		if _, err := tx.ExecContext(ctx, `DELETE FROM kpi_dirty WHERE month = $1 AND id <= $2`, m, maxID); err != nil {
			return fmt.Errorf("refresh KPIs %s: %w", m, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM kpi_rollup WHERE month = $1`, m); err != nil {
			return fmt.Errorf("refresh KPIs %s: %w", m, err)
		}
		for _, s := range db.kpiSources() {
			for _, d := range s.dims {
				for _, byField := range []bool{false, true} {
					q := db.kpiInsert(s, d, byField)
					if _, err := tx.ExecContext(ctx, q, start, end, m); err != nil {
						return fmt.Errorf("refresh KPIs %s %s by %s: %w", m, s.metric, d.name, err)
					}
				}
			}
		}
		for _, d := range kpiDerived {
			group := "metric, month, field, dim, key"
			if d.group != "" {
				group = "metric, month, " + d.group + ", field, dim, key"
			}
			q := `INSERT INTO kpi_rollup (metric, month, country, region, kind, field, dim, key, n)
				SELECT metric, month, ` + d.cols + `, field, dim, key, SUM(n) FROM kpi_rollup
				WHERE month = $1 AND ` + d.cond + ` GROUP BY ` + group
			if _, err := tx.ExecContext(ctx, q, m); err != nil {
				return fmt.Errorf("refresh KPIs %s (%s): %w", m, d.cols, err)
			}
		}
		return nil
	})
}

// kpiInsert is the statement that rolls up dimension d of source s for one
// month ($1, $2; the month text $3) at the finest grouping set, for all
// fields or (byField) for each field of the listing.
func (db *DB) kpiInsert(s kpiSource, d kpiDim, byField bool) string {
	field, key, joins := "''", d.key, ""
	if byField {
		field = "ff.value"
		joins += " " + db.jsonElements("l.fields", "ff")
	}
	if d.explode != "" {
		key = "dk.value"
		joins += " " + db.jsonElements(d.explode, "dk")
	}
	group := "o.country, o.region, o.kind"
	if byField {
		group += ", ff.value"
	}
	if d.explode != "" || !strings.HasPrefix(key, "'") {
		group += ", " + key
	}
	return `INSERT INTO kpi_rollup (metric, month, country, region, kind, field, dim, key, n)
		SELECT '` + s.metric + `', $3, o.country, CASE WHEN o.region = '' THEN '` + kpiNoRegion + `' ELSE o.region END, o.kind, ` + field + `, '` + d.name + `', ` + key + `, COUNT(*)
		FROM ` + s.from + joins + ` WHERE ` + s.where + ` GROUP BY ` + group
}

// KPIs computes the KPI dashboard from the rollups, as of the last
// RefreshKPIs; Stalled is counted live.
func (db *DB) KPIs(ctx context.Context, f kakehashi.KPIFilter) (*kakehashi.KPIReport, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	r := &kakehashi.KPIReport{From: f.From.UTC(), To: f.To.UTC()}
	if v, err := db.GetMeta(ctx, kpiAsOfKey); err != nil {
		return nil, err
	} else if v != "" {
		if r.AsOf, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return nil, fmt.Errorf("read KPI as-of time: %w", err)
		}
	}
	rows, err := db.db.QueryContext(ctx, `SELECT metric, dim, key, SUM(n) FROM kpi_rollup
		WHERE country = $1 AND region = $2 AND kind = $3 AND field = $4 AND month >= $5 AND month < $6
		GROUP BY metric, dim, key`, f.Country, f.Region, string(f.OrgKind), f.Field, kpiMonth(f.From), kpiMonth(f.To))
	if err != nil {
		return nil, fmt.Errorf("read KPI rollups: %w", err)
	}
	defer rows.Close()
	type md struct{ metric, dim string }
	got := map[md]map[string]int{}
	for rows.Next() {
		var metric, dim, key string
		var n int64
		if err := rows.Scan(&metric, &dim, &key, &n); err != nil {
			return nil, fmt.Errorf("read KPI rollups: %w", err)
		}
		k := md{metric, dim}
		if got[k] == nil {
			got[k] = map[string]int{}
		}
		got[k][key] += int(n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read KPI rollups: %w", err)
	}
	rows.Close()
	for metric, m := range map[string]*kakehashi.KPIMetric{kpiListings: &r.Listings, kpiInterests: &r.Interests,
		kpiIntroductions: &r.Introductions, kpiAgreements: &r.Agreements} {
		m.Total = got[md{metric, "total"}][""]
		m.ByCountry, m.ByOrgKind = sortedCounts(got[md{metric, "country"}]), sortedCounts(got[md{metric, "kind"}])
		m.ByField, m.BySector = sortedCounts(got[md{metric, "field"}]), sortedCounts(got[md{metric, "sector"}])
		m.ByPartnership = sortedCounts(got[md{metric, "partnership"}])
	}
	r.Funnel = funnel(r.Interests.Total, got[md{kpiFunnel, "stage"}], got[md{kpiFunnel, "outcome"}]["won"])
	r.MedianDaysToResponse = medianOfHistogram(got[md{kpiResponse, "tenths"}])
	r.MedianDaysToAgreement = medianOfHistogram(got[md{kpiToAgreement, "tenths"}])
	r.DeclineReasons = sortedCounts(got[md{kpiDeclined, "reason"}])
	if r.Stalled, err = db.kpiStalled(ctx, f); err != nil {
		return nil, err
	}
	return r, nil
}

// funnel lists the stages interests reached, then won.
func funnel(interests int, reached map[string]int, won int) []kakehashi.KPICount {
	out := []kakehashi.KPICount{{Key: string(kakehashi.StageInterest), Count: interests}}
	for _, s := range []kakehashi.Stage{kakehashi.StageIntroduced, kakehashi.StageMeeting, kakehashi.StageNDA, kakehashi.StageAgreement} {
		out = append(out, kakehashi.KPICount{Key: string(s), Count: reached[string(s)]})
	}
	return append(out, kakehashi.KPICount{Key: string(kakehashi.OutcomeWon), Count: won})
}

// medianOfHistogram is the median in days of a histogram of durations in
// tenths of a day (keys) and their counts, nil when empty.
func medianOfHistogram(h map[string]int) *float64 {
	type bucket struct {
		tenths int64
		n      int
	}
	var bs []bucket
	total := 0
	for k, n := range h {
		t, err := strconv.ParseInt(k, 10, 64)
		if err != nil || n <= 0 {
			continue
		}
		bs = append(bs, bucket{t, n})
		total += n
	}
	if total == 0 {
		return nil
	}
	slices.SortFunc(bs, func(a, b bucket) int { return int(a.tenths - b.tenths) })
	at := func(i int) int64 { // the i-th smallest duration, from 0
		for _, b := range bs {
			if i < b.n {
				return b.tenths
			}
			i -= b.n
		}
		return bs[len(bs)-1].tenths
	}
	lo, hi := at((total-1)/2), at(total/2)
	return new(medianDays(lo, hi))
}

// medianDays is the rounding rule of the medians: the mean of the two
// middle durations (the same one twice for an odd count) in tenths of a
// day, rounded half away from zero to a whole tenth, in days.
func medianDays(lo, hi int64) float64 {
	return math.Round(float64(lo+hi)/2) / 10
}

// kpiStalled counts the open introductions whose stage has not changed
// since f.StalledBefore, live (0 when it is zero).
func (db *DB) kpiStalled(ctx context.Context, f kakehashi.KPIFilter) (int, error) {
	if f.StalledBefore.IsZero() {
		return 0, nil
	}
	q := newQuery(`SELECT COUNT(*) FROM introductions i JOIN listings l ON l.id = i.listing_id
		JOIN organizations o ON o.id = l.org_id WHERE i.stage_changed_at < $1 AND i.stage <> 'closed'`, f.StalledBefore.UTC())
	kpiFilter(q, f)
	var n int
	if err := db.db.QueryRowContext(ctx, q.sql, q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count stalled introductions: %w", err)
	}
	return n, nil
}
