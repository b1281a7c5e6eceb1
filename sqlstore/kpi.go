package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// kpiBases are the FROM/WHERE of each dashboard metric, with the range as
// $1 and $2; every one joins the listing l and its owner organization o.
var kpiBases = []string{
	`FROM listings l JOIN organizations o ON o.id = l.org_id WHERE l.created_at >= $1 AND l.created_at < $2`,
	`FROM introductions i JOIN listings l ON l.id = i.listing_id JOIN organizations o ON o.id = l.org_id
		WHERE i.created_at >= $1 AND i.created_at < $2`,
	`FROM stage_events e JOIN introductions i ON i.id = e.introduction_id JOIN listings l ON l.id = i.listing_id
		JOIN organizations o ON o.id = l.org_id WHERE e.at >= $1 AND e.at < $2 AND e.to_stage = 'introduced'`,
	`FROM stage_events e JOIN introductions i ON i.id = e.introduction_id JOIN listings l ON l.id = i.listing_id
		JOIN organizations o ON o.id = l.org_id WHERE e.at >= $1 AND e.at < $2 AND e.to_stage = 'agreement'`,
}

// kpiQuery starts a query on base restricted to f.
func kpiQuery(sel, base string, f kakehashi.KPIFilter) *query {
	q := newQuery(sel+" "+base, f.From.UTC(), f.To.UTC())
	kpiFilter(q, f)
	return q
}

func kpiFilter(q *query, f kakehashi.KPIFilter) {
	if f.Country != "" {
		q.where("o.country = ?", f.Country)
	}
	if f.OrgKind != "" {
		q.where("o.kind = ?", string(f.OrgKind))
	}
	if f.Region != "" {
		q.where("o.region = ?", f.Region)
	}
	if f.Field != "" {
		q.where("l.fields LIKE ?", `%"`+f.Field+`"%`)
	}
}

// KPIsDirect computes the KPI dashboard from the records, without the
// rollups: the reference the rollups are tested against (and what KPIs
// computed before them). It scans every record in the range, so it takes
// seconds at a million listings.
func (db *DB) KPIsDirect(ctx context.Context, f kakehashi.KPIFilter) (*kakehashi.KPIReport, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	r := &kakehashi.KPIReport{From: f.From.UTC(), To: f.To.UTC()}
	for i, m := range []*kakehashi.KPIMetric{&r.Listings, &r.Interests, &r.Introductions, &r.Agreements} {
		if err := db.kpiMetric(ctx, m, kpiBases[i], f); err != nil {
			return nil, err
		}
	}
	// The funnel: interests created in the range by the stages they reached.
	reached := map[string]int{}
	if err := db.kpiCounts(ctx, reached, kpiQuery(`SELECT e.to_stage, COUNT(*)`,
		`FROM introductions i JOIN listings l ON l.id = i.listing_id JOIN organizations o ON o.id = l.org_id
		JOIN stage_events e ON e.introduction_id = i.id WHERE i.created_at >= $1 AND i.created_at < $2`, f), " GROUP BY e.to_stage"); err != nil {
		return nil, err
	}
	won := map[string]int{}
	q := kpiQuery(`SELECT i.outcome, COUNT(*)`, kpiBases[1], f)
	q.where("i.outcome = 'won'")
	if err := db.kpiCounts(ctx, won, q, " GROUP BY i.outcome"); err != nil {
		return nil, err
	}
	r.Funnel = funnel(r.Interests.Total, reached, won["won"])

	// Medians, from the durations the database lists.
	q = kpiQuery(`SELECT i.created_at, e.at`, `FROM introductions i JOIN listings l ON l.id = i.listing_id
		JOIN organizations o ON o.id = l.org_id JOIN stage_events e ON e.introduction_id = i.id
		WHERE i.created_at >= $1 AND i.created_at < $2 AND e.from_stage = 'interest' AND e.to_stage IN ('introduced', 'closed')`, f)
	var err error
	if r.MedianDaysToResponse, err = db.durationMedian(ctx, q); err != nil {
		return nil, err
	}
	if r.MedianDaysToAgreement, err = db.durationMedian(ctx, kpiQuery(`SELECT i.created_at, e.at`, kpiBases[3], f)); err != nil {
		return nil, err
	}
	if r.Stalled, err = db.kpiStalled(ctx, f); err != nil {
		return nil, err
	}

	reasons := map[string]int{}
	q = kpiQuery(`SELECT i.reason, COUNT(*)`, `FROM introductions i JOIN listings l ON l.id = i.listing_id
		JOIN organizations o ON o.id = l.org_id WHERE i.stage_changed_at >= $1 AND i.stage_changed_at < $2 AND i.outcome = 'declined'`, f)
	if err := db.kpiCounts(ctx, reasons, q, " GROUP BY i.reason"); err != nil {
		return nil, err
	}
	r.DeclineReasons = sortedCounts(reasons)
	if r.Consortia, err = db.consortiumKPIs(ctx, f); err != nil {
		return nil, err
	}
	return r, nil
}

// kpiMetric fills m from base: total, country and kind in SQL; the JSON
// lists are grouped by the database and split here.
func (db *DB) kpiMetric(ctx context.Context, m *kakehashi.KPIMetric, base string, f kakehashi.KPIFilter) error {
	q := kpiQuery(`SELECT o.country, o.kind, COUNT(*)`, base, f)
	q.sql += " GROUP BY o.country, o.kind"
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return fmt.Errorf("kpi counts: %w", err)
	}
	defer rows.Close()
	country, kind := map[string]int{}, map[string]int{}
	for rows.Next() {
		var c, k string
		var n int
		if err := rows.Scan(&c, &k, &n); err != nil {
			return fmt.Errorf("kpi counts: %w", err)
		}
		m.Total += n
		country[c] += n
		kind[k] += n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kpi counts: %w", err)
	}
	rows.Close()

	q = kpiQuery(`SELECT l.fields, l.sectors, l.partnership_types, COUNT(*)`, base, f)
	q.sql += " GROUP BY l.fields, l.sectors, l.partnership_types"
	rows, err = db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return fmt.Errorf("kpi breakdowns: %w", err)
	}
	defer rows.Close()
	field, sector, partner := map[string]int{}, map[string]int{}, map[string]int{}
	for rows.Next() {
		var fs, ss, ps string
		var n int
		if err := rows.Scan(&fs, &ss, &ps, &n); err != nil {
			return fmt.Errorf("kpi breakdowns: %w", err)
		}
		for _, c := range []struct {
			text string
			into map[string]int
		}{{fs, field}, {ss, sector}, {ps, partner}} {
			var keys []string
			if err := json.Unmarshal([]byte(c.text), &keys); err != nil {
				return fmt.Errorf("kpi breakdowns: %w", err)
			}
			slices.Sort(keys)
			for _, k := range slices.Compact(keys) {
				c.into[k] += n
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kpi breakdowns: %w", err)
	}
	m.ByCountry, m.ByOrgKind = sortedCounts(country), sortedCounts(kind)
	m.ByField, m.BySector, m.ByPartnership = sortedCounts(field), sortedCounts(sector), sortedCounts(partner)
	return nil
}

// kpiCounts adds the (key, count) rows of q plus tail into into.
func (db *DB) kpiCounts(ctx context.Context, into map[string]int, q *query, tail string) error {
	rows, err := db.db.QueryContext(ctx, q.sql+tail, q.args...)
	if err != nil {
		return fmt.Errorf("kpi counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("kpi counts: %w", err)
		}
		into[k] += n
	}
	return rows.Err()
}

// durationMedian returns the median of the (start, end) durations q lists,
// in days by the rounding rule of medianDays, or nil if it lists none.
func (db *DB) durationMedian(ctx context.Context, q *query) (*float64, error) {
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("kpi durations: %w", err)
	}
	defer rows.Close()
	var d []int64
	for rows.Next() {
		var from, to time.Time
		if err := rows.Scan(&from, &to); err != nil {
			return nil, fmt.Errorf("kpi durations: %w", err)
		}
		d = append(d, tenthsBetween(from, to))
	}
	if err := rows.Err(); err != nil || len(d) == 0 {
		return nil, err
	}
	slices.Sort(d)
	return new(medianDays(d[(len(d)-1)/2], d[len(d)/2])), nil
}

// sortedCounts lists m by count, largest first, then by key.
func sortedCounts(m map[string]int) []kakehashi.KPICount {
	out := make([]kakehashi.KPICount, 0, len(m))
	for k, n := range m {
		out = append(out, kakehashi.KPICount{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// sideMonth keys a fact book's listing counts.
type sideMonth struct {
	side  kakehashi.Side
	month string
}

// factBookListings counts organization orgID's listings that viewer may see
// by side and month. Months the rollups hold and no write has marked dirty
// come from kpi_org_listings (plus, for a viewer confidential listings were
// revealed to, those listings); the dirty ones, or all before the first
// refresh, are counted live. Either way the figures are current.
func (db *DB) factBookListings(ctx context.Context, orgID int64, viewer *kakehashi.User) (map[sideMonth]int, error) {
	dirty, all, err := db.kpiDirtyMonths(ctx)
	if err != nil {
		return nil, err
	}
	out := map[sideMonth]int{}
	count := func(q *query, keep func(month string) bool) error {
		rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
		if err != nil {
			return fmt.Errorf("fact book listings: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k sideMonth
			var n int
			if err := rows.Scan(&k.side, &k.month, &n); err != nil {
				return fmt.Errorf("fact book listings: %w", err)
			}
			if keep(k.month) {
				out[k] += n
			}
		}
		return rows.Err()
	}
	month := db.monthOf("l.created_at")
	live := func(m string) bool { return all || dirty[m] }
	rolled := func(m string) bool { return !live(m) }
	// The live count of the dirty months (from the index listings_org_facts).
	q := newQuery(`SELECT l.side, `+month+`, COUNT(*) FROM listings l WHERE l.org_id = $1`, orgID)
	if !all {
		var cond []string
		for m := range dirty {
			start, err := time.Parse(kakehashi.KPIMonthLayout, m)
			if err != nil {
				continue
			}
			cond = append(cond, fmt.Sprintf("(l.created_at >= $%d AND l.created_at < $%d)", len(q.args)+1, len(q.args)+2))
			q.args = append(q.args, start, start.AddDate(0, 1, 0))
		}
		if len(cond) == 0 {
			cond = []string{"1 = 0"}
		}
		q.sql += " AND (" + strings.Join(cond, " OR ") + ")"
	}
	visibleTo(q, viewer)
	ownerVisibleTo(q, viewer)
	q.sql += " GROUP BY l.side, " + month
	if err := count(q, live); err != nil {
		return nil, err
	}
	if all {
		return out, nil
	}
	// The rest from the rollup, by the same rules less the revealed ids.
	q = newQuery(`SELECT l.side, l.month, SUM(l.n) FROM kpi_org_listings l WHERE l.org_id = $1`, orgID)
	visibleTo(q, viewer)
	if !viewer.IsStaff() {
		cond, args := "l.visibility <> 'confidential'", []any{}
		if viewer != nil && viewer.OrgID != 0 {
			cond += " OR l.org_id = ?"
			args = append(args, viewer.OrgID)
		}
		q.where("("+cond+")", args...)
	}
	q.sql += " GROUP BY l.side, l.month"
	if err := count(q, rolled); err != nil {
		return nil, err
	}
	if viewer != nil && !viewer.IsStaff() && viewer.OrgID != orgID && len(viewer.Revealed) > 0 {
		// Confidential listings revealed to the viewer: only those ids.
		q = newQuery(`SELECT l.side, `+month+`, COUNT(*) FROM listings l WHERE l.org_id = $1 AND l.visibility = 'confidential'`, orgID)
		var ids []string
		for _, id := range viewer.Revealed {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		q.sql += " AND l.id IN (" + strings.Join(ids, ", ") + ")"
		visibleTo(q, viewer)
		q.sql += " GROUP BY l.side, " + month
		if err := count(q, rolled); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FactBook computes organization orgID's fact book as viewer may see it.
func (db *DB) FactBook(ctx context.Context, orgID int64, viewer *kakehashi.User) (*kakehashi.FactBook, error) {
	if _, err := db.Organization(ctx, orgID); err != nil {
		return nil, err
	}
	fb := &kakehashi.FactBook{OrgID: orgID, ListingsPerMonth: []kakehashi.KPICount{}}
	months, err := db.factBookListings(ctx, orgID, viewer)
	if err != nil {
		return nil, err
	}
	for k, n := range months {
		if k.side == kakehashi.SideSeed {
			fb.Seeds += n
		} else {
			fb.Needs += n
		}
	}
	perMonth := map[string]int{}
	for k, n := range months {
		perMonth[k.month] += n
	}
	for m, n := range perMonth {
		fb.ListingsPerMonth = append(fb.ListingsPerMonth, kakehashi.KPICount{Key: m, Count: n})
	}
	sort.Slice(fb.ListingsPerMonth, func(i, j int) bool { return fb.ListingsPerMonth[i].Key < fb.ListingsPerMonth[j].Key })
	if err := db.consortiumFactBook(ctx, fb, orgID, viewer); err != nil {
		return nil, err
	}
	if !kakehashi.SeesPipelineFigures(viewer, orgID) {
		return fb, nil
	}
	fb.Pipeline = true

	stages := map[string]int{}
	if err := db.kpiCounts(ctx, stages, newQuery(`SELECT x.stage, COUNT(*) FROM (
			SELECT i.stage FROM introductions i WHERE i.owner_org_id = $1
			UNION ALL
			SELECT i.stage FROM introductions i WHERE i.requester_org_id = $1 AND i.owner_org_id <> $1
		) x`, orgID), " GROUP BY x.stage"); err != nil {
		return nil, err
	}
	fb.IntroductionsByStage = []kakehashi.KPICount{}
	for _, s := range kakehashi.Stages {
		fb.IntroductionsByStage = append(fb.IntroductionsByStage, kakehashi.KPICount{Key: string(s), Count: stages[string(s)]})
	}

	// Each side from its partial index (introductions_agreements_*).
	rows, err := db.db.QueryContext(ctx, `SELECT x.agreement, COUNT(*) FROM (
			SELECT i.agreement FROM introductions i WHERE i.owner_org_id = $1 AND i.agreement <> ''
			UNION ALL
			SELECT i.agreement FROM introductions i WHERE i.requester_org_id = $1 AND i.owner_org_id <> $1 AND i.agreement <> ''
		) x GROUP BY x.agreement`, orgID)
	if err != nil {
		return nil, fmt.Errorf("fact book agreements: %w", err)
	}
	defer rows.Close()
	types, values := map[string]int{}, map[string]int64{}
	for rows.Next() {
		var text string
		var n int
		if err := rows.Scan(&text, &n); err != nil {
			return nil, fmt.Errorf("fact book agreements: %w", err)
		}
		var a kakehashi.Agreement
		if err := json.Unmarshal([]byte(text), &a); err != nil {
			return nil, fmt.Errorf("fact book agreements: %w", err)
		}
		types[string(a.Type)] += n
		values[a.Currency] += a.Value * int64(n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("fact book agreements: %w", err)
	}
	rows.Close()
	fb.AgreementsByType = sortedCounts(types)
	fb.AgreementValues = []kakehashi.CurrencyTotal{}
	for c, v := range values {
		fb.AgreementValues = append(fb.AgreementValues, kakehashi.CurrencyTotal{Currency: c, Value: v})
	}
	sort.Slice(fb.AgreementValues, func(i, j int) bool { return fb.AgreementValues[i].Currency < fb.AgreementValues[j].Currency })

	partners := map[string]int{}
	// Each side from its own index (introductions_partners_*), without
	// reading the introductions.
	if err := db.kpiCounts(ctx, partners, newQuery(`SELECT p.country, COUNT(DISTINCT p.id) FROM (
			SELECT i.requester_org_id AS partner, i.id AS intro FROM introductions i WHERE i.owner_org_id = $1
			UNION ALL
			SELECT i.owner_org_id, i.id FROM introductions i WHERE i.requester_org_id = $1
		) x JOIN organizations p ON p.id = x.partner
		WHERE p.id <> $1 AND EXISTS (SELECT 1 FROM stage_events e WHERE e.introduction_id = x.intro AND e.to_stage = 'introduced')`, orgID), " GROUP BY p.country"); err != nil {
		return nil, err
	}
	fb.PartnersByCountry = sortedCounts(partners)
	return fb, nil
}
