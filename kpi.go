package kakehashi

import (
	"context"
	"time"
)

// KPIFilter selects what the KPI dashboard counts. Zero values do not
// filter; From and To bound the date range [From, To).
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
