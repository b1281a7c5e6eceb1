package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/kakehashi/kakehashi"
)

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
