package kakehashi

import (
	"context"
	"slices"
	"strings"
	"time"
)

// KPIMonthLayout is how the dashboard's range is written: a month, such as
// 2025-04. The dashboard is month-grained because its figures come from
// monthly rollups (see sqlstore/kpi_rollup.go).
const KPIMonthLayout = "2006-01"

// KPIFilter selects what the KPI dashboard counts. Zero values do not
// filter; From and To are month starts (00:00 UTC on the 1st) bounding the
// range [From, To): a Japanese fiscal year is From 2025-04-01, To
// 2026-04-01.
type KPIFilter struct {
	From, To time.Time
	Country  string
	OrgKind  OrgKind
	Region   string
	// Field is an OECD Fields of Science code the listing names.
	Field string
	// StalledBefore: open introductions whose stage has not changed since
	// then count as stalled.
	StalledBefore time.Time
}

// IsMonthStart reports whether t is 00:00 UTC on the first of a month.
func IsMonthStart(t time.Time) bool {
	t = t.UTC()
	return t.Day() == 1 && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

// Validate reports the problems of f: a range that is not whole months or
// is empty, and filter values no organization or listing can have.
func (f KPIFilter) Validate() error {
	var p Problems
	if !IsMonthStart(f.From) {
		p.Add("from", "must be the start of a month (YYYY-MM)")
	}
	if !IsMonthStart(f.To) {
		p.Add("to", "must be the start of a month (YYYY-MM)")
	}
	if !f.From.Before(f.To) {
		p.Add("from", "must not be after to")
	}
	if f.Country != "" && !ValidCountry(f.Country) {
		p.Add("country", "must be an ISO 3166-1 alpha-2 country code")
	}
	if f.OrgKind != "" && !slices.Contains(OrgKinds, f.OrgKind) {
		p.Add("kind", "must be an organization kind")
	}
	if f.Region != "" && strings.Trim(f.Region, "-") == "" {
		p.Add("region", "must be a region code such as JP-13")
	}
	if f.Field != "" {
		if _, ok := FieldsOfScience[f.Field]; !ok {
			p.Add("field", "must be an OECD Fields of Science code such as 1.2")
		}
	}
	return p.Err("KPI filter")
}

// KPIMonths parses a dashboard range written as months (YYYY-MM, to
// inclusive) into [From, To) month starts. An empty from or to defaults to
// the twelve months that end with the month of now. Anything else, such as
// a day (2026-01-31), is a problem naming the field.
func KPIMonths(from, to string, now time.Time) (time.Time, time.Time, error) {
	var p Problems
	month := func(field, s string, def time.Time) time.Time {
		if s == "" {
			return def
		}
		t, err := time.Parse(KPIMonthLayout, s)
		if err != nil || len(s) != len(KPIMonthLayout) {
			p.Add(field, "must be a month such as 2026-03 (YYYY-MM)")
			return def
		}
		return t
	}
	n := now.UTC()
	last := month("to", to, time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, time.UTC))
	end := last.AddDate(0, 1, 0)
	start := month("from", from, end.AddDate(-1, 0, 0))
	if len(p.list) == 0 && !start.Before(end) {
		p.Add("from", "must not be after to")
	}
	return start, end, p.Err("range")
}

// KPICount is one bar of a breakdown.
type KPICount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// KPIMetric is one figure over the date range and its breakdowns. Listings
// are counted under their owner organization's country and kind; pipeline
// figures under the listing's.
type KPIMetric struct {
	Total         int        `json:"total"`
	ByCountry     []KPICount `json:"by_country"`
	ByOrgKind     []KPICount `json:"by_org_kind"`
	ByField       []KPICount `json:"by_field"`
	BySector      []KPICount `json:"by_sector"`
	ByPartnership []KPICount `json:"by_partnership_type"`
}

// KPIReport is the KPI dashboard: aggregate figures only.
type KPIReport struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// AsOf is when the rollups the figures come from were last refreshed
	// (zero when computed directly from the records). Stalled is always
	// current.
	AsOf time.Time `json:"as_of"`
	// Listings created, interests expressed, introductions made (reached
	// introduced) and agreements reached in the range.
	Listings      KPIMetric `json:"listings"`
	Interests     KPIMetric `json:"interests"`
	Introductions KPIMetric `json:"introductions"`
	Agreements    KPIMetric `json:"agreements"`
	// Funnel counts the interests created in the range that reached each
	// stage (interest, introduced, meeting, nda, agreement) and were won.
	Funnel []KPICount `json:"funnel"`
	// MedianDaysToResponse is from interest to introduced or declined, over
	// interests created in the range; MedianDaysToAgreement from interest to
	// agreement, over agreements reached in the range. Nil when none.
	// Rounding rule: each duration is taken between the two timestamps
	// truncated to whole seconds and then truncated to tenths of a day
	// (8,640 s); the median of those tenths (the mean of the two middle
	// ones for an even count) is rounded half away from zero to a tenth.
	MedianDaysToResponse  *float64 `json:"median_days_to_response"`
	MedianDaysToAgreement *float64 `json:"median_days_to_agreement"`
	// Stalled counts open introductions with no stage change since
	// StalledBefore (now, whatever the range).
	Stalled int `json:"stalled"`
	// DeclineReasons counts the interests declined in the range by reason.
	DeclineReasons []KPICount `json:"decline_reasons"`
	// Consortia is the consortium activity in the range.
	Consortia ConsortiumKPIs `json:"consortia"`
}

// CurrencyTotal is a sum of agreement values in minor units of Currency.
type CurrencyTotal struct {
	Currency string `json:"currency"`
	Value    int64  `json:"value"`
}

// FactBook is an organization's public figures. Listing counts include only
// the listings the viewer may see with their owner; the pipeline figures
// (Pipeline true) only for staff and the organization's members.
type FactBook struct {
	OrgID            int64      `json:"org_id"`
	Seeds            int        `json:"seeds"`
	Needs            int        `json:"needs"`
	ListingsPerMonth []KPICount `json:"listings_per_month"`
	Pipeline         bool       `json:"pipeline"`
	// IntroductionsByStage counts the organization's introductions (either
	// side) by current stage.
	IntroductionsByStage []KPICount      `json:"introductions_by_stage,omitempty"`
	AgreementsByType     []KPICount      `json:"agreements_by_type,omitempty"`
	AgreementValues      []CurrencyTotal `json:"agreement_values,omitempty"`
	// PartnersByCountry counts distinct partner organizations of the
	// introductions that reached introduced, by country.
	PartnersByCountry []KPICount `json:"partners_by_country,omitempty"`
	// ConsortiaLed and ConsortiaJoined count the consortia the viewer may
	// see that the organization leads or is another active member of;
	// ConsortiumTasks counts its tasks in them by status (nil when none).
	ConsortiaLed    int        `json:"consortia_led"`
	ConsortiaJoined int        `json:"consortia_joined"`
	ConsortiumTasks []KPICount `json:"consortium_tasks,omitempty"`
}

// CanSeeKPIs reports whether u may see the KPI dashboard: platform staff.
func CanSeeKPIs(u *User) bool { return u.IsStaff() }

// SeesPipelineFigures reports whether u may see an organization's pipeline
// aggregates in its fact book: staff and its members.
func SeesPipelineFigures(u *User, orgID int64) bool { return u.IsStaff() || u.InOrg(orgID) }

// KPIService computes the dashboard and fact books.
type KPIService interface {
	KPIs(ctx context.Context, f KPIFilter) (*KPIReport, error)
	// FactBook computes the fact book of organization orgID as viewer may
	// see it.
	FactBook(ctx context.Context, orgID int64, viewer *User) (*FactBook, error)
}
