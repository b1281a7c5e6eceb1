package kpicsv_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/kpicsv"
)

// TestKPICSVNeutralisesFormulas writes a KPI report whose keys a
// spreadsheet would run as formulas: no cell of the CSV starts with one of
// = + - @, a tab or a carriage return, and the plain figures are unchanged.
func TestKPICSVNeutralisesFormulas(t *testing.T) {
	r := &kakehashi.KPIReport{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
	r.Listings.Total = 7
	r.Listings.ByCountry = []kakehashi.KPICount{{Key: "=HYPERLINK(\"https://evil.example\")", Count: 3}, {Key: "JP", Count: 4}}
	r.DeclineReasons = []kakehashi.KPICount{{Key: "@SUM(1+1)", Count: 1}, {Key: "+1", Count: 1}, {Key: "-1", Count: 1}, {Key: "\t=1", Count: 1}}
	var b bytes.Buffer
	if err := kpicsv.Write(&b, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("KPI CSV cell %q would run as a formula", cell)
			}
		}
	}
	for _, want := range []string{"listings,total,,7,\n", "listings,country,JP,4,\n", `listings,country,"'=HYPERLINK(""https://evil.example"")",3,`, "decline_reasons,reason,'@SUM(1+1),1,"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("KPI CSV lacks %q:\n%s", want, b.String())
		}
	}
}
