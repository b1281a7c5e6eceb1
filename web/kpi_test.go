package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/kakehashi/kakehashi"
)

// TestKPIPageShowsFixtureFigures loads the demo data, refreshes the KPI
// rollups and checks that the dashboard, its charts and its CSV show the
// figures the direct computation gives for the same months, with fields by
// name and the as-of time.
func TestKPIPageShowsFixtureFigures(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	if _, err := db.RefreshKPIs(ctx); err != nil {
		t.Fatal(err)
	}
	now := db.Now().UTC()
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	want, err := db.KPIsDirect(ctx, kakehashi.KPIFilter{From: to.AddDate(-1, 0, 0), To: to})
	if err != nil {
		t.Fatal(err)
	}
	if want.Listings.Total == 0 || len(want.Listings.ByField) == 0 {
		t.Fatalf("the demo data has no listings this year: %+v", want.Listings)
	}
	if want.Consortia.Created < 2 || len(want.Consortia.TasksByStatus) == 0 {
		t.Fatalf("the demo's two consortia and their tasks are not counted: %+v", want.Consortia)
	}
	staff := browserless(t, base, "coordinator@kakehashi.example")
	p := get(t, staff, base+"/kpis")
	if p.status != 200 {
		t.Fatalf("GET /kpis: %d %.300s", p.status, p.body)
	}
	top := want.Listings.ByField[0].Key
	for _, s := range []string{
		fmt.Sprintf("<dt>Listings</dt><dd>%d</dd>", want.Listings.Total),
		fmt.Sprintf("<dt>Interests</dt><dd>%d</dd>", want.Interests.Total),
		fmt.Sprintf("<dt>Consortia formed</dt><dd>%d</dd>", want.Consortia.Created),
		`type="month"`, `value="` + to.AddDate(0, -1, 0).Format("2006-01") + `"`,
		"Figures as of",
		// The field chart labels fields by code and name.
		top + " " + kakehashi.FieldsOfScience[top],
	} {
		if !strings.Contains(p.body, s) {
			t.Errorf("KPI page lacks %q", s)
		}
	}
	csv := get(t, staff, base+"/kpis.csv")
	if row := fmt.Sprintf("listings,total,,%d,", want.Listings.Total); csv.status != 200 || !strings.Contains(csv.body, row) {
		t.Errorf("CSV %d lacks %q: %.300s", csv.status, row, csv.body)
	}
	if row := fmt.Sprintf("listings,field,%s,%d,", top, want.Listings.ByField[0].Count); !strings.Contains(csv.body, row) {
		t.Errorf("CSV lacks %q", row)
	}
	if row := fmt.Sprintf("consortia,total,,%d,", want.Consortia.Created); !strings.Contains(csv.body, row) {
		t.Errorf("CSV lacks %q", row)
	}
	if bad := get(t, staff, base+"/kpis?from=2026-01-15"); bad.status != 400 && bad.status != 422 || !strings.Contains(bad.body, "from") {
		t.Errorf("a day as from: %d %.300s", bad.status, bad.body)
	}
}

// TestKPIChartsInBrowser opens the dashboard in Chromium as a coordinator
// and checks that every chart the page carries is drawn by Chart.js, and
// that the listings-by-field chart holds the figures the database gives.
func TestKPIChartsInBrowser(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	if _, err := db.RefreshKPIs(ctx); err != nil {
		t.Fatal(err)
	}
	now := db.Now().UTC()
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	want, err := db.KPIsDirect(ctx, kakehashi.KPIFilter{From: to.AddDate(-1, 0, 0), To: to})
	if err != nil {
		t.Fatal(err)
	}
	bctx := newBrowser(t)
	do(bctx, t, "open the home page", chromedp.Navigate(base+"/"))
	signIn(bctx, t, "coordinator@kakehashi.example")
	do(bctx, t, "open the dashboard", chromedp.Navigate(base+"/kpis"))
	n := eval[int](bctx, t, `document.querySelectorAll("canvas[data-chart]").length`)
	if n < 5 {
		t.Fatalf("%d charts on the dashboard, want the funnel and the breakdowns", n)
	}
	waitFor(bctx, t, "every chart to be drawn", `typeof Chart !== "undefined" &&
		[...document.querySelectorAll("canvas[data-chart]")].every(c => Chart.getChart(c) !== undefined)`)
	screenshot(bctx, t, "kpis")
	// The chart of listings by field: its bars are the database's counts,
	// under "code name" labels.
	type bars struct {
		Labels []string `json:"labels"`
		Data   []int    `json:"data"`
	}
	got := eval[[]bars](bctx, t, `[...document.querySelectorAll("canvas[data-chart]")].map(c => {
		const ch = Chart.getChart(c);
		return {labels: ch.data.labels, data: ch.data.datasets.length ? ch.data.datasets[0].data : []};
	})`)
	top := want.Listings.ByField[0]
	label := top.Key + " " + kakehashi.FieldsOfScience[top.Key]
	found := false
	for _, b := range got {
		for i, l := range b.Labels {
			if l == label && i < len(b.Data) && b.Data[i] == top.Count {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no chart has the bar %q = %d (listings by field); charts: %+v", label, top.Count, got)
	}
}
