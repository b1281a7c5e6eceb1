package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

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
