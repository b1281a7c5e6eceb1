package kakehashi

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Side says whether a listing offers something (a seed) or asks for
// something (a need).
type Side string

// Listing sides.
const (
	SideSeed Side = "seed"
	SideNeed Side = "need"
)

// Sides lists both sides.
var Sides = []Side{SideSeed, SideNeed}

// ListingKind refines the side: what is offered or asked for.
type ListingKind string

// Seed kinds.
const (
	KindTechnology ListingKind = "technology"
	KindPatent     ListingKind = "patent"
	KindDataset    ListingKind = "dataset"
	KindFacility   ListingKind = "facility"
)

// Need kinds.
const (
	KindChallenge     ListingKind = "challenge"
	KindPartnerSearch ListingKind = "partner_search"
	KindProcurement   ListingKind = "procurement"
)

// SeedKinds and NeedKinds list the kinds allowed on each side.
var (
	SeedKinds = []ListingKind{KindTechnology, KindPatent, KindDataset, KindFacility}
	NeedKinds = []ListingKind{KindChallenge, KindPartnerSearch, KindProcurement}
)

// KindsOf returns the kinds allowed on side.
func KindsOf(side Side) []ListingKind {
	switch side {
	case SideSeed:
		return SeedKinds
	case SideNeed:
		return NeedKinds
	}
	return nil
}

// PartnershipType is a form of collaboration a listing offers or seeks.
type PartnershipType string

// Partnership types.
const (
	PartnerJointResearch        PartnershipType = "joint_research"
	PartnerLicense              PartnershipType = "license"
	PartnerCommissionedResearch PartnershipType = "commissioned_research"
	PartnerInvestment           PartnershipType = "investment"
	PartnerSupply               PartnershipType = "supply"
	PartnerConsortium           PartnershipType = "consortium"
)

// PartnershipTypes lists every partnership type.
var PartnershipTypes = []PartnershipType{PartnerJointResearch, PartnerLicense,
	PartnerCommissionedResearch, PartnerInvestment, PartnerSupply, PartnerConsortium}

// Visibility decides who may see a listing.
type Visibility string

// Visibilities. Confidential listings show title and summary to signed-in
// users but hide the owning organization and the body from everyone outside
// the owner organization and platform staff.
const (
	VisibilityPublic       Visibility = "public"
	VisibilityMembers      Visibility = "members"
	VisibilityConfidential Visibility = "confidential"
)

// Visibilities lists every visibility.
var Visibilities = []Visibility{VisibilityPublic, VisibilityMembers, VisibilityConfidential}

// Status is a listing's life-cycle state.
type Status string

// Listing statuses. Drafts are seen only by their organization and staff.
const (
	StatusDraft    Status = "draft"
	StatusOpen     Status = "open"
	StatusClosed   Status = "closed"
	StatusArchived Status = "archived"
)

// Statuses lists every status.
var Statuses = []Status{StatusDraft, StatusOpen, StatusClosed, StatusArchived}

// IPStatus is the state of the intellectual property behind a listing.
type IPStatus string

// IP statuses.
const (
	IPNone    IPStatus = "none"
	IPPending IPStatus = "pending"
	IPGranted IPStatus = "granted"
	IPExpired IPStatus = "expired"
)

// IPStatuses lists every IP status.
var IPStatuses = []IPStatus{IPNone, IPPending, IPGranted, IPExpired}

// IP describes the patents behind a listing.
type IP struct {
	// Patents are publication or application numbers such as JP7123456B2.
	Patents []string `json:"patents"`
	Status  IPStatus `json:"status"`
	// Jurisdictions are ISO country codes, or EP / WO for European and PCT filings.
	Jurisdictions []string `json:"jurisdictions"`
}

// Listing is a seed or a need. One type serves both sides so that search,
// matching and the pipeline treat them alike.
type Listing struct {
	ID    int64       `json:"id"`
	Side  Side        `json:"side"`
	Kind  ListingKind `json:"kind"`
	OrgID int64       `json:"org_id,omitempty"`
	// OrgHidden is set on a copy redacted for a viewer who may not see the
	// owner of a confidential listing.
	OrgHidden bool   `json:"org_hidden,omitempty"`
	Title     string `json:"title"`
	Summary   string `json:"summary"`
	Body      string `json:"body"`
	// BodyHidden is set on a copy whose body was removed for the viewer.
	BodyHidden bool     `json:"body_hidden,omitempty"`
	Language   string   `json:"language"`
	Keywords   []string `json:"keywords"`
	// Fields are OECD Fields of Science codes (see FieldsOfScience).
	Fields           []string          `json:"fields"`
	Sectors          []string          `json:"sectors"`
	TRL              int               `json:"trl"`
	IP               IP                `json:"ip"`
	PartnershipTypes []PartnershipType `json:"partnership_types"`
	TargetCountries  []string          `json:"target_countries"`
	// Controlled marks listings relevant to export control.
	Controlled bool       `json:"controlled"`
	Visibility Visibility `json:"visibility"`
	Status     Status     `json:"status"`
	Deadline   *time.Time `json:"deadline,omitempty"`
	ExternalID string     `json:"external_id"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

var patentPattern = regexp.MustCompile(`^[A-Z]{2}[A-Z0-9/\-,.]{3,30}$`)

// Normalize trims text fields and list entries, upper-cases country codes
// and stores the deadline in UTC, so that equal content compares equal.
func (l *Listing) Normalize() {
	l.Title = strings.TrimSpace(l.Title)
	l.Summary = strings.TrimSpace(l.Summary)
	l.Body = strings.TrimSpace(l.Body)
	l.Language = strings.TrimSpace(l.Language)
	l.Keywords = cleanList(l.Keywords)
	l.Fields = cleanList(l.Fields)
	l.Sectors = cleanList(l.Sectors)
	l.IP.Patents = cleanList(l.IP.Patents)
	l.IP.Jurisdictions = cleanList(l.IP.Jurisdictions)
	if l.IP.Status == "" {
		l.IP.Status = IPNone
	}
	if l.PartnershipTypes == nil {
		l.PartnershipTypes = []PartnershipType{}
	}
	l.TargetCountries = cleanList(l.TargetCountries)
	l.ExternalID = strings.TrimSpace(l.ExternalID)
	if l.Deadline != nil {
		d := l.Deadline.UTC().Truncate(time.Second)
		l.Deadline = &d
	}
}

// Validate reports every invalid field of l.
func (l *Listing) Validate() error {
	var p Problems
	if !oneOf(l.Side, Sides) {
		p.Add("side", "must be seed or need")
	} else if !oneOf(l.Kind, KindsOf(l.Side)) {
		p.Add("kind", "a %s must be one of %s", l.Side, names(KindsOf(l.Side)))
	}
	if l.OrgID <= 0 {
		p.Add("org_id", "is required")
	}
	checkText(&p, "title", l.Title, 1, 300)
	checkText(&p, "summary", l.Summary, 1, 1000)
	checkText(&p, "body", l.Body, 0, 20000)
	if !ValidLanguage(l.Language) {
		p.Add("language", "%q is not a two-letter ISO 639-1 language code (e.g. en, ja)", l.Language)
	}
	validList(&p, "keywords", l.Keywords, 30, func(s string) bool { return len([]rune(s)) <= 80 }, "a keyword of at most 80 characters")
	validList(&p, "fields", l.Fields, 10, isField, "an OECD Fields of Science code such as 2.5")
	validList(&p, "sectors", l.Sectors, 10, isSector, "a known sector")
	if l.TRL < 1 || l.TRL > 9 {
		p.Add("trl", "must be a technology readiness level from 1 to 9, got %d", l.TRL)
	}
	if !oneOf(l.IP.Status, IPStatuses) {
		p.Add("ip.status", "must be one of %s", names(IPStatuses))
	}
	validList(&p, "ip.patents", l.IP.Patents, 50, patentPattern.MatchString, "a patent number such as JP7123456B2 or US11234567B2")
	validList(&p, "ip.jurisdictions", l.IP.Jurisdictions, 50, func(s string) bool {
		return s == "EP" || s == "WO" || ValidCountry(s)
	}, "an ISO country code, EP or WO"+countryHint(l.IP.Jurisdictions))
	if len(l.IP.Patents) > 0 && l.IP.Status == IPNone {
		p.Add("ip.status", "must not be none when patents are listed")
	}
	if l.Kind == KindPatent && len(l.IP.Patents) == 0 {
		p.Add("ip.patents", "a patent listing names at least one patent")
	}
	validListOf(&p, "partnership_types", l.PartnershipTypes, len(PartnershipTypes),
		func(s PartnershipType) bool { return oneOf(s, PartnershipTypes) }, "one of "+names(PartnershipTypes))
	validList(&p, "target_countries", l.TargetCountries, 50, ValidCountry, "an ISO 3166-1 alpha-2 country code"+countryHint(l.TargetCountries))
	if !oneOf(l.Visibility, Visibilities) {
		p.Add("visibility", "must be one of %s", names(Visibilities))
	}
	if !oneOf(l.Status, Statuses) {
		p.Add("status", "must be one of %s", names(Statuses))
	}
	if l.Deadline != nil && (l.Deadline.Year() < 2000 || l.Deadline.Year() > 2100) {
		p.Add("deadline", "must be between the years 2000 and 2100")
	}
	checkExternalID(&p, l.ExternalID)
	return p.Err("listing")
}

// validListOf is validList for typed string lists.
func validListOf[T ~string](p *Problems, field string, values []T, max int, ok func(T) bool, want string) {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	validList(p, field, s, max, func(v string) bool { return ok(T(v)) }, want)
}

// HasPartnership reports whether l offers or seeks partnership type t.
func (l *Listing) HasPartnership(t PartnershipType) bool {
	return slices.Contains(l.PartnershipTypes, t)
}

// ListingFilter selects listings in a list. Zero values do not filter.
type ListingFilter struct {
	Side     Side
	Kind     ListingKind
	Country  string
	Status   Status
	Language string
	OrgID    int64
	// After is the cursor: only listings with ID > After are returned.
	After int64
	Limit int
}

// ListingChange is one entry of the store's change feed: the listing with
// ID ListingID was written at sequence Seq. A follower that has applied every
// change up to Seq asks for the changes after it.
type ListingChange struct {
	Seq       int64     `json:"seq"`
	ListingID int64     `json:"listing_id"`
	At        time.Time `json:"at"`
}

// UpsertResult says what an upsert on external id did.
type UpsertResult int

// Upsert outcomes.
const (
	Unchanged UpsertResult = iota
	Created
	Updated
)

// ListingService stores listings and publishes the change feed. Visibility
// is applied by the caller's Viewer.
type ListingService interface {
	Listing(ctx context.Context, id int64) (*Listing, error)
	// Listings returns the listings matching f that viewer may see, in ID order.
	Listings(ctx context.Context, f ListingFilter, viewer *User) ([]*Listing, error)
	CreateListing(ctx context.Context, l *Listing, actor *User) error
	UpdateListing(ctx context.Context, l *Listing, actor *User) error
	ListingChanges(ctx context.Context, afterSeq int64, limit int) ([]ListingChange, error)
}
