package httpapi

import (
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
)

// KPIStore is what the KPI dashboard and fact book routes read.
type KPIStore interface {
	kakehashi.KPIService
}

// KPIQuery is the dashboard's filter as query parameters.
type KPIQuery struct {
	From    string `query:"from" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"First day (YYYY-MM-DD); default 90 days before to"`
	To      string `query:"to" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"Last day, inclusive (YYYY-MM-DD); default today"`
	Country string `query:"country" maxLength:"2"`
	Kind    string `query:"kind" maxLength:"40" doc:"Organization kind"`
	Region  string `query:"region" maxLength:"10" doc:"ISO 3166-2 region of the organization"`
	Field   string `query:"field" maxLength:"10" doc:"OECD Fields of Science code"`
}

// Filter turns q into a store filter for the dashboard as of now.
func (q KPIQuery) Filter(now time.Time, stallAfter time.Duration) (kakehashi.KPIFilter, error) {
	var p kakehashi.Problems
	day := func(field, s string, def time.Time) time.Time {
		if s == "" {
			return def
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			p.Add(field, "must be a date such as 2026-01-31")
		}
		return t
	}
	today := now.UTC().Truncate(24 * time.Hour)
	to := day("to", q.To, today).AddDate(0, 0, 1)
	from := day("from", q.From, to.AddDate(0, 0, -91))
	if !from.Before(to) {
		p.Add("from", "must not be after to")
	}
	if q.Country != "" && !kakehashi.ValidCountry(strings.ToUpper(q.Country)) {
		p.Add("country", "must be an ISO 3166-1 alpha-2 country code")
	}
	if q.Kind != "" && !slices.Contains(kakehashi.OrgKinds, kakehashi.OrgKind(q.Kind)) {
		p.Add("kind", "must be an organization kind")
	}
	f := kakehashi.KPIFilter{From: from, To: to, Country: strings.ToUpper(q.Country), OrgKind: kakehashi.OrgKind(q.Kind),
		Region: strings.ToUpper(q.Region), Field: q.Field, StalledBefore: now.Add(-stallAfter)}
	return f, p.Err("filter")
}

// WriteKPICSV writes r as CSV rows: figure, breakdown, key, value.
func WriteKPICSV(w io.Writer, r *kakehashi.KPIReport) error {
	c := csv.NewWriter(w)
	c.Write([]string{"figure", "breakdown", "key", "value"})
	row := func(fig, by, key string, v string) { c.Write([]string{fig, by, key, v}) }
	c.Write([]string{"range", "", r.From.Format(time.DateOnly), r.To.AddDate(0, 0, -1).Format(time.DateOnly)})
	for _, m := range []struct {
		name string
		m    kakehashi.KPIMetric
	}{{"listings", r.Listings}, {"interests", r.Interests}, {"introductions", r.Introductions}, {"agreements", r.Agreements}} {
		row(m.name, "total", "", strconv.Itoa(m.m.Total))
		for _, b := range []struct {
			by string
			c  []kakehashi.KPICount
		}{{"country", m.m.ByCountry}, {"org_kind", m.m.ByOrgKind}, {"field", m.m.ByField}, {"sector", m.m.BySector}, {"partnership_type", m.m.ByPartnership}} {
			for _, k := range b.c {
				row(m.name, b.by, k.Key, strconv.Itoa(k.Count))
			}
		}
	}
	for _, k := range r.Funnel {
		row("funnel", "stage", k.Key, strconv.Itoa(k.Count))
	}
	days := func(d *float64) string {
		if d == nil {
			return ""
		}
		return strconv.FormatFloat(*d, 'f', 1, 64)
	}
	row("median_days_to_response", "", "", days(r.MedianDaysToResponse))
	row("median_days_to_agreement", "", "", days(r.MedianDaysToAgreement))
	row("stalled", "", "", strconv.Itoa(r.Stalled))
	for _, k := range r.DeclineReasons {
		row("decline_reasons", "reason", k.Key, strconv.Itoa(k.Count))
	}
	c.Flush()
	return c.Error()
}

func (s *Server) registerKPI(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-kpis", Method: http.MethodGet, Path: "/kpis", Tags: []string{"kpis"},
		Summary: "KPI dashboard figures", Description: "Aggregate counts over a date range, with breakdowns, funnel and medians. Coordinators and admins.",
	}, func(ctx context.Context, in *KPIQuery) (*struct{ Body *kakehashi.KPIReport }, error) {
		u, err := requireUser(ctx)
		if err != nil {
			return nil, err
		}
		if !kakehashi.CanSeeKPIs(u) {
			return nil, huma.Error403Forbidden("the KPI dashboard is for coordinators and admins")
		}
		f, err := in.Filter(s.now(), s.stallAfter)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		r, err := s.store.KPIs(ctx, f)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.KPIReport }{Body: r}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-organization-factbook", Method: http.MethodGet, Path: "/organizations/{id}/factbook", Tags: []string{"organizations"},
		Summary: "An organization's fact book", Description: "Counts of the listings the caller may see; pipeline figures for its members and staff only.",
	}, func(ctx context.Context, in *idPath) (*struct{ Body *kakehashi.FactBook }, error) {
		fb, err := s.store.FactBook(ctx, in.ID, kakehashi.UserFromContext(ctx))
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *kakehashi.FactBook }{Body: fb}, nil
	})
}
