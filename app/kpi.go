package app

import (
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// DefaultStallAfter is how long an introduction may sit at one stage before
// it counts as stalled, in the API, the pages and the KPI figures alike.
const DefaultStallAfter = 14 * 24 * time.Hour

// KPIQuery is the KPI dashboard's filter as query parameters, as the API
// (whose tags validate them) and the pages read them. The range is in
// whole months: the dashboard reads monthly rollups.
type KPIQuery struct {
	From    string `query:"from" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"First month (YYYY-MM); default 11 months before to"`
	To      string `query:"to" pattern:"^[0-9]{4}-[0-9]{2}$" doc:"Last month, inclusive (YYYY-MM); default this month"`
	Country string `query:"country" maxLength:"2"`
	Kind    string `query:"kind" maxLength:"40" doc:"Organization kind"`
	Region  string `query:"region" maxLength:"10" doc:"ISO 3166-2 region of the organization"`
	Field   string `query:"field" maxLength:"10" doc:"OECD Fields of Science code"`
}

// Filter turns q into a store filter for the dashboard as of now, with
// introductions idle for stallAfter counted as stalled; its errors locate
// the invalid fields (kakehashi.FieldErrors).
func (q KPIQuery) Filter(now time.Time, stallAfter time.Duration) (kakehashi.KPIFilter, error) {
	from, to, err := kakehashi.KPIMonths(q.From, q.To, now)
	if err != nil {
		return kakehashi.KPIFilter{}, err
	}
	f := kakehashi.KPIFilter{From: from, To: to, Country: strings.ToUpper(q.Country), OrgKind: kakehashi.OrgKind(q.Kind),
		Region: strings.ToUpper(q.Region), Field: q.Field, StalledBefore: now.Add(-stallAfter)}
	return f, f.Validate()
}
