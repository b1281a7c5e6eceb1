package kakehashi

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// OrgKind says what sort of body an organization is; matching and the policy
// dashboards group partners by it.
type OrgKind string

// Organization kinds.
const (
	OrgCompany           OrgKind = "company"
	OrgSME               OrgKind = "sme"
	OrgStartup           OrgKind = "startup"
	OrgUniversity        OrgKind = "university"
	OrgResearchInstitute OrgKind = "research_institute"
	OrgTLO               OrgKind = "tlo"
	OrgGovernment        OrgKind = "government"
	OrgFunder            OrgKind = "funder"
	OrgSupportAgency     OrgKind = "support_agency"
)

// OrgKinds lists every organization kind.
var OrgKinds = []OrgKind{OrgCompany, OrgSME, OrgStartup, OrgUniversity, OrgResearchInstitute,
	OrgTLO, OrgGovernment, OrgFunder, OrgSupportAgency}

// Organization is a university, company, agency or other body that owns
// listings and employs users.
type Organization struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	LocalName string   `json:"local_name"`
	Aliases   []string `json:"aliases"`
	Kind      OrgKind  `json:"kind"`
	// Country is an ISO 3166-1 alpha-2 code; Region an ISO 3166-2 code.
	Country     string   `json:"country"`
	Region      string   `json:"region"`
	Sectors     []string `json:"sectors"`
	Website     string   `json:"website"`
	Description string   `json:"description"`
	// ROR is a Research Organization Registry id (https://ror.org/…).
	ROR string `json:"ror"`
	// CorporateNumber is Japan's 13-digit corporate number (法人番号).
	CorporateNumber string `json:"corporate_number"`
	// ExternalID identifies the record in the system it was imported from;
	// imports upsert on it.
	ExternalID string    `json:"external_id"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

var (
	rorPattern       = regexp.MustCompile(`^https://ror\.org/0[a-z0-9]{6}[0-9]{2}$`)
	corpNumPattern   = regexp.MustCompile(`^[0-9]{13}$`)
	externalIDFormat = regexp.MustCompile(`^[\x21-\x7e]{1,200}$`)
)

// Normalize trims surrounding space and drops empty list entries so that
// equal content from different sources compares equal.
func (o *Organization) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.LocalName = strings.TrimSpace(o.LocalName)
	o.Aliases = cleanList(o.Aliases)
	o.Country = strings.TrimSpace(o.Country)
	o.Region = strings.TrimSpace(o.Region)
	o.Sectors = cleanList(o.Sectors)
	o.Website = strings.TrimSpace(o.Website)
	o.Description = strings.TrimSpace(o.Description)
	o.ROR = strings.TrimSpace(o.ROR)
	o.CorporateNumber = strings.TrimSpace(o.CorporateNumber)
	o.ExternalID = strings.TrimSpace(o.ExternalID)
}

// Validate reports every invalid field of o.
func (o *Organization) Validate() error {
	var p Problems
	checkText(&p, "name", o.Name, 1, 200)
	checkText(&p, "local_name", o.LocalName, 0, 200)
	validList(&p, "aliases", o.Aliases, 20, func(s string) bool { return utf8.RuneCountInString(s) <= 200 }, "an alias of at most 200 characters")
	if !oneOf(o.Kind, OrgKinds) {
		p.Add("kind", "must be one of %s", names(OrgKinds))
	}
	if !ValidCountry(o.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code (e.g. JP, US, GB)%s", o.Country, countryHint([]string{o.Country}))
	}
	if o.Region != "" && !ValidRegion(o.Region, o.Country) {
		p.Add("region", "%q is not an ISO 3166-2 code of country %q (e.g. JP-13)", o.Region, o.Country)
	}
	validList(&p, "sectors", o.Sectors, 10, isSector, "a known sector")
	if o.Website != "" {
		if u, err := url.Parse(o.Website); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			p.Add("website", "must be an http(s) URL")
		}
	}
	checkText(&p, "description", o.Description, 0, 5000)
	if o.ROR != "" && !rorPattern.MatchString(o.ROR) {
		p.Add("ror", "must be a ROR id such as https://ror.org/057zh3y96")
	}
	if o.CorporateNumber != "" && !corpNumPattern.MatchString(o.CorporateNumber) {
		p.Add("corporate_number", "must be 13 digits")
	}
	checkExternalID(&p, o.ExternalID)
	return p.Err("organization")
}

// OrganizationFilter selects organizations in a list.
type OrganizationFilter struct {
	Country string
	Kind    OrgKind
	// After is the cursor: only organizations with ID > After are returned.
	After int64
	Limit int
}

// OrganizationService stores organizations. Access checks are the caller's.
type OrganizationService interface {
	Organization(ctx context.Context, id int64) (*Organization, error)
	Organizations(ctx context.Context, f OrganizationFilter) ([]*Organization, error)
	CreateOrganization(ctx context.Context, o *Organization, actor *User) error
	UpdateOrganization(ctx context.Context, o *Organization, actor *User) error
}

func checkText(p *Problems, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		p.Add(field, "must be valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		p.Add(field, msgNUL)
	case n < min && min == 1:
		p.Add(field, "is required")
	case n < min:
		p.Add(field, "must be at least %d characters", min)
	case n > max:
		p.Add(field, "must be at most %d characters, got %d", max, n)
	}
}

// msgNUL is the problem with text holding a NUL byte: PostgreSQL cannot
// store one (the write would fail with a driver error) and C-based readers
// of an export would cut the text there, so no text users write may hold
// one. checkText and validList refuse it; checkNoNUL does for text checked
// otherwise.
const msgNUL = "must not contain NUL characters"

// checkNoNUL refuses s if it holds a NUL byte.
func checkNoNUL(p *Problems, field, s string) {
	if strings.IndexByte(s, 0) >= 0 {
		p.Add(field, msgNUL)
	}
}

func checkExternalID(p *Problems, id string) {
	if id != "" && !externalIDFormat.MatchString(id) {
		p.Add("external_id", "must be 1-200 printable ASCII characters without spaces")
	}
}

// cleanList trims each entry and drops empty ones; it keeps nil as an empty
// list so that JSON shows [] rather than null.
func cleanList(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
