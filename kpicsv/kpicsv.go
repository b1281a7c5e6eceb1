// Package kpicsv writes the KPI dashboard's report as CSV for a
// spreadsheet: one row per figure, breakdown and key. Cells a spreadsheet
// would run as formulas are neutralised (internal/csvsafe), since keys such
// as decline reasons are user-written.
package kpicsv

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/csvsafe"
)

// Write writes r as CSV rows: figure, breakdown, key, value, and for
// fields the field's name. Cells a spreadsheet would run as formulas are
// written behind an apostrophe (csvsafe).
func Write(w io.Writer, r *kakehashi.KPIReport) error {
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
	if err := c.Error(); err != nil {
		return fmt.Errorf("write KPI CSV: %w", err)
	}
	return nil
}
