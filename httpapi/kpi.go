package httpapi

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/csvsafe"
)

// KPIStore is what the KPI dashboard and fact book routes read.
type KPIStore interface {
	kakehashi.KPIService
}

// KPIQuery is the dashboard's filter as query parameters. The range is in
// whole months: the dashboard reads monthly rollups.
type KPIQuery struct {
	From    string `query:"from" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"First month (YYYY-MM); default 11 months before to"`
	To      string `query:"to" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"Last month, inclusive (YYYY-MM); default this month"`
	Country string `query:"country" maxLength:"2"`
	Kind    string `query:"kind" maxLength:"40" doc:"Organization kind"`
	Region  string `query:"region" maxLength:"10" doc:"ISO 3166-2 region of the organization"`
	Field   string `query:"field" maxLength:"10" doc:"OECD Fields of Science code"`
}

// Filter turns q into a store filter for the dashboard as of now.
func (q KPIQuery) Filter(now time.Time, stallAfter time.Duration) (kakehashi.KPIFilter, error) {
	from, to, err := kakehashi.KPIMonths(q.From, q.To, now)
	if err != nil {
		return kakehashi.KPIFilter{}, err
	}
	f := kakehashi.KPIFilter{From: from, To: to, Country: strings.ToUpper(q.Country), OrgKind: kakehashi.OrgKind(q.Kind),
		Region: strings.ToUpper(q.Region), Field: q.Field, StalledBefore: now.Add(-stallAfter)}
	return f, f.Validate()
}

// WriteKPICSV writes r as CSV rows: figure, breakdown, key, value, and for
// fields the field's name. Cells a spreadsheet would run as formulas are
// written behind an apostrophe (csvsafe).
func WriteKPICSV(w io.Writer, r *kakehashi.KPIReport) error {
	c := csvsafe.NewWriter(w)
	c.Write([]string{"figure", "breakdown", "key", "value", "name"})
	row := func(fig, by, key string, v string) { c.Write([]string{fig, by, key, v, ""}) }
	c.Write([]string{"range", "", r.From.Format(kakehashi.KPIMonthLayout), r.To.AddDate(0, -1, 0).Format(kakehashi.KPIMonthLayout), ""})
	if !r.AsOf.IsZero() {
		row("as_of", "", "", r.AsOf.UTC().Format(time.RFC3339))
	}
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
				if b.by == "field" {
					c.Write([]string{m.name, b.by, k.Key, strconv.Itoa(k.Count), kakehashi.FieldsOfScience[k.Key]})
					continue
				}
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
	row("consortia", "total", "", strconv.Itoa(r.Consortia.Created))
	for _, k := range r.Consortia.ByLeadCountry {
		row("consortia", "lead_country", k.Key, strconv.Itoa(k.Count))
	}
	row("consortium_members_joined", "", "", strconv.Itoa(r.Consortia.MembersJoined))
	for _, k := range r.Consortia.TasksByStatus {
		row("consortium_tasks", "status", k.Key, strconv.Itoa(k.Count))
	}
	c.Flush()
	return c.Error()
}

func (s *Server) registerKPI(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-kpis", Method: http.MethodGet, Path: "/kpis", Tags: []string{"kpis"},
		Summary: "KPI dashboard figures", Description: "Aggregate counts over a range of months, with breakdowns, funnel and medians, from rollups refreshed in the background (as_of). Coordinators and admins.",
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
			return nil, queryProblem(err)
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

// queryProblem is the problem for invalid query parameters: the fields
// located in the query, not the body.
func queryProblem(err error) error {
	status, msg := statusOf(err)
	var details []error
	for _, f := range kakehashi.FieldErrors(err) {
		details = append(details, &huma.ErrorDetail{Message: f.Message, Location: "query." + f.Field})
	}
	return huma.NewError(status, msg, details...)
}
