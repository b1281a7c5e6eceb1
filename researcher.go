package kakehashi

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Collaboration starts with people: a researcher profile says who can work
// on what, so that a need can be answered with people (expert finding) and
// not only with listings. A researcher may or may not have a user account;
// imported authors usually have none. Profiles are public, like
// organization pages.

// CareerStage is where a researcher is in their career. Agencies match
// early-career researchers with companies, so the stage is a filter.
type CareerStage string

// Career stages.
const (
	CareerStudent  CareerStage = "student"
	CareerEarly    CareerStage = "early_career"
	CareerMid      CareerStage = "mid_career"
	CareerSenior   CareerStage = "senior"
	CareerEmeritus CareerStage = "emeritus"
	// CareerUnknown is the stage of imported authors nobody has described.
	CareerUnknown CareerStage = "unknown"
)

// CareerStages lists every career stage.
var CareerStages = []CareerStage{CareerStudent, CareerEarly, CareerMid, CareerSenior, CareerEmeritus, CareerUnknown}

// Openness says which forms of collaboration a researcher is open to.
type Openness struct {
	// IndustryCollaboration: joint or commissioned research with companies.
	IndustryCollaboration bool `json:"industry_collaboration"`
	// CrossAppointment: a joint appointment (クロスアポイントメント) with a
	// company or another institution.
	CrossAppointment bool `json:"cross_appointment"`
	// Startup: founding or advising a start-up.
	Startup bool `json:"startup"`
}

// Any reports whether the researcher is open to any form of collaboration.
func (o Openness) Any() bool { return o.IndustryCollaboration || o.CrossAppointment || o.Startup }

// OpenTo values filter researchers by openness.
const (
	OpenToAny                   = "any"
	OpenToIndustryCollaboration = "industry_collaboration"
	OpenToCrossAppointment      = "cross_appointment"
	OpenToStartup               = "startup"
)

// OpenToValues lists the values of an openness filter.
var OpenToValues = []string{OpenToAny, OpenToIndustryCollaboration, OpenToCrossAppointment, OpenToStartup}

// Has reports whether o satisfies the openness filter value v ("" passes).
func (o Openness) Has(v string) bool {
	switch v {
	case "":
		return true
	case OpenToAny:
		return o.Any()
	case OpenToIndustryCollaboration:
		return o.IndustryCollaboration
	case OpenToCrossAppointment:
		return o.CrossAppointment
	case OpenToStartup:
		return o.Startup
	}
	return false
}

// Publication is a paper, dataset or other output a researcher lists.
type Publication struct {
	Title string `json:"title"`
	// Year is 0 when unknown.
	Year int `json:"year,omitempty"`
	// DOI is a bare DOI such as 10.1000/xyz123, without the https://doi.org/ prefix.
	DOI string `json:"doi,omitempty"`
}

// Researcher is a person's public expertise profile.
type Researcher struct {
	ID int64 `json:"id"`
	// UserID is the person's own account, 0 when they have none; it may edit
	// the profile.
	UserID int64 `json:"user_id,omitempty"`
	// OrgID is the organization the researcher works at; 0 for none known.
	OrgID    int64       `json:"org_id,omitempty"`
	Name     string      `json:"name"`
	NameJa   string      `json:"name_ja"`
	Position string      `json:"position"`
	Career   CareerStage `json:"career_stage"`
	// Bio is a short free-text description of their work.
	Bio string `json:"bio"`
	// Keywords are areas of expertise, in any language.
	Keywords []string `json:"keywords"`
	// Fields are OECD Fields of Science codes (see FieldsOfScience).
	Fields []string `json:"fields"`
	// Languages are ISO 639-1 codes of languages they work in.
	Languages []string `json:"languages"`
	// ORCID is an ORCID iD such as 0000-0002-1825-0097, checksum validated.
	ORCID string `json:"orcid"`
	// OpenAlexID is an OpenAlex author id such as A5023888391.
	OpenAlexID   string        `json:"openalex_id"`
	OpenTo       Openness      `json:"open_to"`
	Publications []Publication `json:"publications"`
	// ListingIDs are the seeds the researcher is behind.
	ListingIDs []int64   `json:"listing_ids"`
	CreatedBy  int64     `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

var (
	orcidPattern    = regexp.MustCompile(`^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$`)
	openAlexAuthor  = regexp.MustCompile(`^A[0-9]{1,15}$`)
	doiPattern      = regexp.MustCompile(`^10\.[0-9]{4,9}/\S{1,300}$`)
	orcidURLPrefix  = []string{"https://orcid.org/", "http://orcid.org/", "orcid.org/"}
	doiURLPrefix    = []string{"https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"}
	openAlexPrefix  = []string{"https://openalex.org/", "http://openalex.org/"}
	maxPublications = 200
)

// NormalizeORCID trims an ORCID iD and strips an https://orcid.org/ prefix;
// a lower-case check character x becomes X.
func NormalizeORCID(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range orcidURLPrefix {
		s = strings.TrimPrefix(s, p)
	}
	return strings.ToUpper(s)
}

// CheckORCID returns nil when id (normalized) is a well-formed ORCID iD
// whose last character is the ISO 7064 MOD 11-2 check digit of the other
// fifteen digits, else an error saying which.
func CheckORCID(id string) error {
	if !orcidPattern.MatchString(id) {
		return fmt.Errorf("%q is not an ORCID iD: want 0000-0000-0000-000X (16 digits in groups of four, the last may be X)", id)
	}
	want := ORCIDCheckDigit(strings.ReplaceAll(id, "-", "")[:15])
	if got := id[len(id)-1]; got != want {
		return fmt.Errorf("check digit of %q is %c, want %c (mistyped digit?)", id, got, want)
	}
	return nil
}

// ORCIDCheckDigit computes the ISO 7064 MOD 11-2 check character of the
// first fifteen digits of an ORCID iD.
func ORCIDCheckDigit(digits string) byte {
	total := 0
	for i := 0; i < len(digits); i++ {
		total = (total + int(digits[i]-'0')) * 2
	}
	r := (12 - total%11) % 11
	if r == 10 {
		return 'X'
	}
	return byte('0' + r)
}

// NormalizeDOI trims a DOI and strips a resolver prefix.
func NormalizeDOI(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range doiURLPrefix {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			s = s[len(p):]
		}
	}
	return s
}

// NormalizeOpenAlexAuthor strips the https://openalex.org/ prefix of an
// author id.
func NormalizeOpenAlexAuthor(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range openAlexPrefix {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// Normalize trims text and list entries and strips URL prefixes from
// identifiers, so that equal content from different sources compares equal.
func (r *Researcher) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.NameJa = strings.TrimSpace(r.NameJa)
	r.Position = strings.TrimSpace(r.Position)
	r.Bio = strings.TrimSpace(r.Bio)
	if r.Career == "" {
		r.Career = CareerUnknown
	}
	r.Keywords = cleanList(r.Keywords)
	r.Fields = cleanList(r.Fields)
	r.Languages = cleanList(r.Languages)
	for i := range r.Languages {
		r.Languages[i] = strings.ToLower(r.Languages[i])
	}
	r.ORCID = NormalizeORCID(r.ORCID)
	r.OpenAlexID = NormalizeOpenAlexAuthor(r.OpenAlexID)
	if r.Publications == nil {
		r.Publications = []Publication{}
	}
	for i := range r.Publications {
		p := &r.Publications[i]
		p.Title = strings.Join(strings.Fields(p.Title), " ")
		p.DOI = NormalizeDOI(p.DOI)
	}
	if r.ListingIDs == nil {
		r.ListingIDs = []int64{}
	}
}

// Validate reports every invalid field of r.
func (r *Researcher) Validate() error {
	var p Problems
	if r.UserID < 0 {
		p.Add("user_id", "must be a positive id")
	}
	if r.OrgID < 0 {
		p.Add("org_id", "must be a positive id")
	}
	checkText(&p, "name", r.Name, 1, 200)
	checkText(&p, "name_ja", r.NameJa, 0, 200)
	checkText(&p, "position", r.Position, 0, 200)
	checkText(&p, "bio", r.Bio, 0, 5000)
	if !oneOf(r.Career, CareerStages) {
		p.Add("career_stage", "must be one of %s", names(CareerStages))
	}
	validList(&p, "keywords", r.Keywords, 30, func(s string) bool { return len([]rune(s)) <= 80 }, "a keyword of at most 80 characters")
	validList(&p, "fields", r.Fields, 10, isField, "an OECD Fields of Science code such as 2.5")
	validList(&p, "languages", r.Languages, 10, ValidLanguage, "a two-letter ISO 639-1 language code (e.g. en, ja)")
	if r.ORCID != "" {
		if err := CheckORCID(r.ORCID); err != nil {
			p.Add("orcid", "%s", err.Error())
		}
	}
	if r.OpenAlexID != "" && !openAlexAuthor.MatchString(r.OpenAlexID) {
		p.Add("openalex_id", "%q is not an OpenAlex author id such as A5023888391", r.OpenAlexID)
	}
	if len(r.Publications) > maxPublications {
		p.Add("publications", "at most %d publications allowed, got %d", maxPublications, len(r.Publications))
	} else {
		for i, pub := range r.Publications {
			f := indexed("publications", i)
			checkText(&p, f+".title", pub.Title, 1, 500)
			if pub.Year != 0 && (pub.Year < 1900 || pub.Year > 2100) {
				p.Add(f+".year", "must be between 1900 and 2100, or 0 when unknown; got %d", pub.Year)
			}
			if strings.IndexByte(pub.DOI, 0) >= 0 {
				p.Add(f+".doi", msgNUL)
			} else if pub.DOI != "" && !doiPattern.MatchString(pub.DOI) {
				p.Add(f+".doi", "%q is not a DOI such as 10.1000/xyz123", pub.DOI)
			}
		}
	}
	if len(r.ListingIDs) > 100 {
		p.Add("listing_ids", "at most 100 listings allowed, got %d", len(r.ListingIDs))
	} else {
		for i, id := range r.ListingIDs {
			if id <= 0 {
				p.Add(indexed("listing_ids", i), "must be a positive listing id")
				continue
			}
			for _, prev := range r.ListingIDs[:i] {
				if prev == id {
					p.Add(indexed("listing_ids", i), "listing %d is listed twice", id)
					break
				}
			}
		}
	}
	return p.Err("researcher")
}

// ResearcherFilter selects researchers in a list. Zero values do not filter.
type ResearcherFilter struct {
	OrgID int64
	// Country and OrgKind are those of the researcher's organization.
	Country     string
	OrgKind     OrgKind
	CareerStage CareerStage
	// OpenTo is one of OpenToValues.
	OpenTo string
	// Query matches names, Japanese names and keywords (case-insensitive
	// substring).
	Query string
	// ListingID keeps the researchers behind that listing.
	ListingID int64
	// After is the cursor: only researchers with ID > After are returned.
	After int64
	Limit int
}

// Validate reports invalid filter values.
func (f *ResearcherFilter) Validate() error {
	var p Problems
	if f.Country != "" && !ValidCountry(f.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code%s", f.Country, countryHint([]string{f.Country}))
	}
	if f.OrgKind != "" && !oneOf(f.OrgKind, OrgKinds) {
		p.Add("org_kind", "must be one of %s", names(OrgKinds))
	}
	if f.CareerStage != "" && !oneOf(f.CareerStage, CareerStages) {
		p.Add("career_stage", "must be one of %s", names(CareerStages))
	}
	if f.OpenTo != "" && !oneOf(f.OpenTo, OpenToValues) {
		p.Add("open_to", "must be one of %s", strings.Join(OpenToValues, ", "))
	}
	if len([]rune(f.Query)) > 200 {
		p.Add("q", "must be at most 200 characters")
	}
	checkNoNUL(&p, "q", f.Query)
	return p.Err("researcher filter")
}

// ResearcherService stores researcher profiles and their links to seeds.
// Access checks are the caller's (see CanEditResearcher).
type ResearcherService interface {
	Researcher(ctx context.Context, id int64) (*Researcher, error)
	Researchers(ctx context.Context, f ResearcherFilter) ([]*Researcher, error)
	CreateResearcher(ctx context.Context, r *Researcher, actor *User) error
	UpdateResearcher(ctx context.Context, r *Researcher, actor *User) error
	// LinkResearcherListing records that researcher rid is behind listing
	// lid; linking twice is a no-op.
	LinkResearcherListing(ctx context.Context, rid, lid int64, actor *User) error
}

// CanCreateResearcher reports whether actor may create the profile r:
// platform staff, an admin of r's organization, or a person creating their
// own profile at their own organization.
func CanCreateResearcher(actor *User, r *Researcher) bool {
	switch {
	case actor == nil:
		return false
	case actor.IsStaff():
		return true
	case r.OrgID != 0 && actor.IsOrgAdmin(r.OrgID):
		return true
	}
	return r.UserID != 0 && r.UserID == actor.ID && r.OrgID == actor.OrgID
}

// CanEditResearcher reports whether actor may change the stored profile
// prev into next (next may equal prev): the person themselves, an admin of
// the researcher's organization, or platform staff. Moving a profile to
// another organization, or attaching it to another account, needs the
// right to create it there too.
func CanEditResearcher(actor *User, prev, next *Researcher) bool {
	if actor == nil {
		return false
	}
	if actor.IsStaff() {
		return true
	}
	own := prev.UserID != 0 && prev.UserID == actor.ID
	admin := prev.OrgID != 0 && actor.IsOrgAdmin(prev.OrgID)
	if !own && !admin {
		return false
	}
	if next.OrgID != prev.OrgID || next.UserID != prev.UserID {
		return CanCreateResearcher(actor, next)
	}
	return true
}

// VisibleListingIDs returns the listings of r that viewer may see linked to
// a named person: those viewer sees in full. A confidential listing hides
// its owner, and so must hide the people behind it. get returns a listing
// by id, or nil.
func (r *Researcher) VisibleListingIDs(viewer *User, get func(int64) *Listing) []int64 {
	out := []int64{}
	for _, id := range r.ListingIDs {
		if l := get(id); l != nil && SeesFullListing(viewer, l) {
			out = append(out, id)
		}
	}
	return out
}
