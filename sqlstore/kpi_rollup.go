package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
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
	// The listing's fields, for counting stalled introductions by field.
	if _, err := tx.ExecContext(ctx, `UPDATE introductions SET listing_fields = (SELECT l.fields FROM listings l WHERE l.id = introductions.listing_id)
		WHERE id = $1`, id); err != nil {
		return fmt.Errorf("copy listing fields to introduction %d: %w", id, err)
	}
	return db.markKPIMonths(ctx, tx, at, created)
}

// kpiListingChanging is called before listing l is overwritten: when its
// organization, a category the dashboard breaks down by, or what the fact
// books count it by (side, status, visibility) changes, it marks the
// listing's month and those of its pipeline, which all lie between its
// first introduction and now.
func (db *DB) kpiListingChanging(ctx context.Context, tx *sql.Tx, l *kakehashi.Listing) error {
	var org int64
	var fields, sectors, partners, side, status, visibility string
	var created time.Time
	err := tx.QueryRowContext(ctx, `SELECT org_id, fields, sectors, partnership_types, side, status, visibility, created_at FROM listings WHERE id = $1`, l.ID).
		Scan(&org, &fields, &sectors, &partners, &side, &status, &visibility, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the update reports it
	}
	if err != nil {
		return fmt.Errorf("mark KPI months of listing %d: %w", l.ID, err)
	}
	if org == l.OrgID && fields == jsonText(l.Fields) && sectors == jsonText(l.Sectors) && partners == jsonText(l.PartnershipTypes) &&
		side == string(l.Side) && status == string(l.Status) && visibility == string(l.Visibility) {
		return nil
	}
	if err := db.markKPIMonths(ctx, tx, created); err != nil {
		return err
	}
	if fields != jsonText(l.Fields) {
		if _, err := tx.ExecContext(ctx, `UPDATE introductions SET listing_fields = $1 WHERE listing_id = $2`, jsonText(l.Fields), l.ID); err != nil {
			return fmt.Errorf("copy listing fields of listing %d: %w", l.ID, err)
		}
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

// kpiRefresherLock is the PostgreSQL advisory lock one replica holds while
// it refreshes the KPI rollups, so that several replicas on one database do
// the work once instead of each doing it.
const kpiRefresherLock = 7_243_009

// RefreshKPIsOnce is RefreshKPIs for a process that shares its database
// with other replicas: on PostgreSQL, if another session is refreshing, it
// returns (nil, nil) at once and leaves the work to it. A crashed refresher
// ends its session, which frees the lock.
func (db *DB) RefreshKPIsOnce(ctx context.Context) (*KPIRefresh, error) {
	if db.dialect != Postgres || db.db.Stats().MaxOpenConnections == 1 {
		// One connection cannot hold the lock and refresh too.
		return db.RefreshKPIs(ctx)
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("refresh KPI rollups: %w", err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, kpiRefresherLock).Scan(&got); err != nil {
		return nil, fmt.Errorf("refresh KPI rollups: take the lock: %w", err)
	}
	if !got {
		return nil, nil
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, kpiRefresherLock)
	return db.RefreshKPIs(ctx)
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
	// The marks seen now, by month: their writes have committed, so the
	// counts read after this include them. Only these are cleared.
	marks := map[string][]int64{}
	for rows.Next() {
		var id int64
		var m string
		if err := rows.Scan(&id, &m); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read dirty KPI months: %w", err)
		}
		marks[m] = append(marks[m], id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read dirty KPI months: %w", err)
	}
	all := marks["*"]
	delete(marks, "*")
	if all != nil {
		if err := db.allKPIMonths(ctx, marks, r.AsOf); err != nil {
			return nil, err
		}
	}
	for m := range marks {
		r.Months = append(r.Months, m)
	}
	slices.Sort(r.Months)
	for _, m := range r.Months {
		if err := db.refreshKPIMonth(ctx, m, marks[m]); err != nil {
			return nil, err
		}
	}
	if all != nil {
		if err := db.inTx(ctx, func(tx *sql.Tx) error { return deleteIDs(ctx, tx, `DELETE FROM kpi_dirty WHERE id IN `, all) }); err != nil {
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
func (db *DB) allKPIMonths(ctx context.Context, months map[string][]int64, now time.Time) error {
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
			months[kpiMonth(m)] = append(months[kpiMonth(m)], nil...)
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
		months[m] = append(months[m], nil...)
	}
	return rows.Err()
}

// kpiTuple is a grouping set's filter values; ” is all.
type kpiTuple struct{ country, region, kind, field string }

// kpiFigures are counts by metric, breakdown and key.
type kpiFigures map[string]map[string]map[string]int64

func (f kpiFigures) add(metric, dim, key string, n int64) {
	if f[metric] == nil {
		f[metric] = map[string]map[string]int64{}
	}
	if f[metric][dim] == nil {
		f[metric][dim] = map[string]int64{}
	}
	f[metric][dim][key] += n
}

// refreshKPIMonth rebuilds the rollups of month m (YYYY-MM): it reads the
// month's counts outside any write transaction, then replaces the month's
// rows and clears the dirty marks it saw (ids) in one short transaction.
func (db *DB) refreshKPIMonth(ctx context.Context, m string, ids []int64) error {
	start, err := time.Parse(kakehashi.KPIMonthLayout, m)
	if err != nil {
		return fmt.Errorf("refresh KPIs: bad month %q", m)
	}
	end := start.AddDate(0, 1, 0)
	base := map[kpiTuple]kpiFigures{}
	for _, s := range db.kpiSources() {
		if err := db.kpiCount(ctx, base, s, start, end); err != nil {
			return fmt.Errorf("refresh KPIs %s %s: %w", m, s.metric, err)
		}
	}
	sets := kpiSets(base)
	orgRows, err := db.kpiOrgListings(ctx, start, end)
	if err != nil {
		return fmt.Errorf("refresh KPIs %s: %w", m, err)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, kpiRefreshLock); err != nil {
				return fmt.Errorf("lock KPI refresh: %w", err)
			}
		}
		if err := deleteIDs(ctx, tx, `DELETE FROM kpi_dirty WHERE id IN `, ids); err != nil {
			return fmt.Errorf("refresh KPIs %s: %w", m, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM kpi_rollup WHERE month = $1`, m); err != nil {
			return fmt.Errorf("refresh KPIs %s: %w", m, err)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO kpi_rollup (country, region, kind, field, month, figures) VALUES ($1, $2, $3, $4, $5, $6)`)
		if err != nil {
			return fmt.Errorf("refresh KPIs %s: %w", m, err)
		}
		defer ins.Close()
		for t, f := range sets {
			if _, err := ins.ExecContext(ctx, t.country, t.region, t.kind, t.field, m, jsonText(f)); err != nil {
				return fmt.Errorf("refresh KPIs %s: %w", m, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM kpi_org_listings WHERE month = $1`, m); err != nil {
			return fmt.Errorf("refresh KPIs %s: %w", m, err)
		}
		insOrg, err := tx.PrepareContext(ctx, `INSERT INTO kpi_org_listings (org_id, month, side, status, visibility, n) VALUES ($1, $2, $3, $4, $5, $6)`)
		if err != nil {
			return fmt.Errorf("refresh KPIs %s: %w", m, err)
		}
		defer insOrg.Close()
		for _, r := range orgRows {
			if _, err := insOrg.ExecContext(ctx, r.org, m, r.side, r.status, r.visibility, r.n); err != nil {
				return fmt.Errorf("refresh KPIs %s: %w", m, err)
			}
		}
		return nil
	})
}

// kpiOrgRow is a count of one organization's listings of one month.
type kpiOrgRow struct {
	org                      int64
	side, status, visibility string
	n                        int64
}

// kpiOrgListings counts the listings created in [start, end) by
// organization, side, status and visibility, for the fact books.
func (db *DB) kpiOrgListings(ctx context.Context, start, end time.Time) ([]kpiOrgRow, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT l.org_id, l.side, l.status, l.visibility, COUNT(*) FROM listings l
		WHERE l.created_at >= $1 AND l.created_at < $2 GROUP BY l.org_id, l.side, l.status, l.visibility`, start, end)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []kpiOrgRow
	for rows.Next() {
		var r kpiOrgRow
		if err := rows.Scan(&r.org, &r.side, &r.status, &r.visibility, &r.n); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// kpiDirtyMonths returns the months marked dirty, and whether every month is.
func (db *DB) kpiDirtyMonths(ctx context.Context) (map[string]bool, bool, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT DISTINCT month FROM kpi_dirty`)
	if err != nil {
		return nil, false, fmt.Errorf("read dirty KPI months: %w", err)
	}
	defer rows.Close()
	months := map[string]bool{}
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, false, fmt.Errorf("read dirty KPI months: %w", err)
		}
		months[m] = true
	}
	return months, months["*"], rows.Err()
}

// deleteIDs runs prefix followed by a list of ids, a few hundred at a time.
func deleteIDs(ctx context.Context, tx *sql.Tx, prefix string, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		var b strings.Builder
		b.WriteString(prefix + "(")
		for i, id := range ids[:n] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		b.WriteByte(')')
		if _, err := tx.ExecContext(ctx, b.String()); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// kpiCount counts source s in [start, end) at the finest grouping set
// (country, region, kind) and adds the counts to base, under field ” and
// under each of the listing's fields. The database groups by the
// listing's JSON lists as stored; they are split here (as KPIsDirect does),
// which needs no JSON functions in SQL and reads each record once.
func (db *DB) kpiCount(ctx context.Context, base map[kpiTuple]kpiFigures, s kpiSource, start, end time.Time) error {
	sel, group := "l.sectors, l.partnership_types", "l.sectors, l.partnership_types"
	if s.dim != nil {
		sel, group = s.dim.key+", ''", s.dim.key
	}
	q := `SELECT o.country, o.region, o.kind, l.fields, ` + sel + `, COUNT(*) FROM ` + s.from + ` WHERE ` + s.where +
		` GROUP BY o.country, o.region, o.kind, l.fields, ` + group
	rows, err := db.db.QueryContext(ctx, q, start, end)
	if err != nil {
		return err
	}
	defer rows.Close()
	lists := map[string][]string{}
	split := func(text string) ([]string, error) {
		if l, ok := lists[text]; ok {
			return l, nil
		}
		var l []string
		if err := json.Unmarshal([]byte(text), &l); err != nil {
			return nil, fmt.Errorf("kpi breakdowns: %w", err)
		}
		slices.Sort(l)
		l = slices.Compact(l)
		lists[text] = l
		return l, nil
	}
	for rows.Next() {
		var country, region, kind, fieldsText, a, b string
		var n int64
		if err := rows.Scan(&country, &region, &kind, &fieldsText, &a, &b, &n); err != nil {
			return err
		}
		fields, err := split(fieldsText)
		if err != nil {
			return err
		}
		var sectors, partners []string
		if s.dim == nil {
			if sectors, err = split(a); err != nil {
				return err
			}
			if partners, err = split(b); err != nil {
				return err
			}
		}
		for _, field := range append([]string{""}, fields...) {
			t := kpiTuple{country, region, kind, field}
			f := base[t]
			if f == nil {
				f = kpiFigures{}
				base[t] = f
			}
			if s.dim != nil {
				f.add(s.metric, s.dim.name, a, n)
				continue
			}
			f.add(s.metric, "total", "", n)
			f.add(s.metric, "country", country, n)
			f.add(s.metric, "kind", kind, n)
			for _, d := range []struct {
				name string
				keys []string
			}{{"field", fields}, {"sector", sectors}, {"partnership", partners}} {
				for _, k := range d.keys {
					f.add(s.metric, d.name, k, n)
				}
			}
		}
	}
	return rows.Err()
}

// kpiSets adds the figures of each finest grouping set into every coarser
// set it belongs to: geo {country+region, region, country, all} x kind
// {value, all}, the field kept. Organizations without a region count only
// where no region is asked for. (A region code names its country, so the
// region sets repeat the country+region ones on real data; they keep a
// query for a region alone to one row a month on any data.)
func kpiSets(base map[kpiTuple]kpiFigures) map[kpiTuple]kpiFigures {
	sets := map[kpiTuple]kpiFigures{}
	for b, f := range base {
		geos := [][2]string{{b.country, ""}, {"", ""}}
		if b.region != "" {
			geos = append(geos, [2]string{b.country, b.region}, [2]string{"", b.region})
		}
		for _, g := range geos {
			for _, k := range []string{b.kind, ""} {
				t := kpiTuple{g[0], g[1], k, b.field}
				into := sets[t]
				if into == nil {
					into = kpiFigures{}
					sets[t] = into
				}
				for metric, dims := range f {
					for dim, keys := range dims {
						for key, n := range keys {
							into.add(metric, dim, key, n)
						}
					}
				}
			}
		}
	}
	return sets
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
	q := `SELECT figures FROM kpi_rollup WHERE country = $1 AND region = $2 AND kind = $3 AND field = $4 AND month >= $5 AND month < $6`
	args := []any{f.Country, f.Region, string(f.OrgKind), f.Field, kpiMonth(f.From), kpiMonth(f.To)}
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read KPI rollups: %w", err)
	}
	defer rows.Close()
	type md struct{ metric, dim string }
	got := map[md]map[string]int{}
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return nil, fmt.Errorf("read KPI rollups: %w", err)
		}
		var month kpiFigures
		if err := json.Unmarshal([]byte(text), &month); err != nil {
			return nil, fmt.Errorf("read KPI rollups: %w", err)
		}
		for metric, dims := range month {
			for dim, keys := range dims {
				k := md{metric, dim}
				if got[k] == nil {
					got[k] = map[string]int{}
				}
				for key, n := range keys {
					got[k][key] += int(n)
				}
			}
		}
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
	// Consortia are few next to listings: counted live.
	if r.Consortia, err = db.consortiumKPIs(ctx, f); err != nil {
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
// since f.StalledBefore, live (0 when it is zero), under the organization
// that owns the listing (the introduction's owner_org_id) and by the
// listing's fields as copied onto the introduction (listing_fields), so
// that it reads only the partial index introductions_stalled and the
// organizations.
func (db *DB) kpiStalled(ctx context.Context, f kakehashi.KPIFilter) (int, error) {
	if f.StalledBefore.IsZero() {
		return 0, nil
	}
	q := newQuery(`SELECT COUNT(*) FROM introductions i CROSS JOIN organizations o
		WHERE o.id = i.owner_org_id AND i.stage <> 'closed' AND i.stage_changed_at < $1`, f.StalledBefore.UTC())
	field := f.Field
	f.Field = ""
	kpiFilter(q, f)
	if field != "" {
		q.where("i.listing_fields LIKE ?", `%"`+field+`"%`)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, q.sql, q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count stalled introductions: %w", err)
	}
	return n, nil
}
