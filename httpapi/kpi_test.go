package httpapi_test

import (
	"context"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/httpapi"
)

// TestKPIsThroughTheAPI checks the dashboard's month range: figures from the
// rollups after a refresh, with their as-of time, and a day or a malformed
// month refused naming the parameter.
func TestKPIsThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteDSN, httpapi.Config{})
	staff := e.as(coordinator)
	month := e.db.Now().UTC().Format(kakehashi.KPIMonthLayout)
	e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Fields = []string{"1.2"} })
	e.listing(e.other.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Fields = []string{"1.2", "2.2"} })

	var r kakehashi.KPIReport
	e.do("GET", "/kpis?from="+month+"&to="+month, nil, staff).want(t, 200).decode(t, &r)
	if r.Listings.Total != 0 || !r.AsOf.IsZero() {
		t.Errorf("before the first refresh: %d listings as of %v, want none", r.Listings.Total, r.AsOf)
	}
	if _, err := e.db.RefreshKPIs(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/kpis?from="+month+"&to="+month, nil, staff).want(t, 200).decode(t, &r)
	if r.Listings.Total != 2 || r.AsOf.IsZero() || r.From.Format(kakehashi.KPIMonthLayout) != month {
		t.Errorf("after a refresh: %d listings as of %v from %v, want 2", r.Listings.Total, r.AsOf, r.From)
	}
	e.do("GET", "/kpis?field=2.2&country=us", nil, staff).want(t, 200).decode(t, &r)
	if r.Listings.Total != 1 || len(r.Listings.ByCountry) != 1 || r.Listings.ByCountry[0].Key != "US" {
		t.Errorf("US, field 2.2 over the default twelve months: %+v", r.Listings)
	}

	e.do("GET", "/kpis?from=2026-01-01", nil, staff).wantProblem(t, 422, "query.from")
	e.do("GET", "/kpis?to=2026-13", nil, staff).wantProblem(t, 422, "query.to")
	e.do("GET", "/kpis?from=2026-05&to=2026-04", nil, staff).wantProblem(t, 422, "query.from")
	e.do("GET", "/kpis?field=9.9&kind=castle", nil, staff).wantProblem(t, 422, "query.field", "query.kind")
}
