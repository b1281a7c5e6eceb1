package kakehashi

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A challenge call is a theme an organization (a ministry, a local
// government, a company) puts out with a deadline, a budget, eligibility
// rules and weighted evaluation criteria. Organizations answer it with a
// structured one-page proposal; reviewers the call's owner assigns score
// every criterion; the owner moves proposals through screening, review and
// finalist to a decision that every proposer hears, with feedback. An
// adopted proposal opens an introduction in the collaboration pipeline.
//
// Each call is published through a need listing of kind challenge that the
// store creates with it (Call.ListingID), so that calls are searched and
// matched against seeds by the same engine as every other need, and so that
// the introduction an adoption opens has a listing to refer to.

// Criterion is one evaluation criterion of a call and its weight. Weights
// are relative: a proposal's score divides by their sum.
type Criterion struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"`
}

// Call is a challenge call.
type Call struct {
	ID    int64 `json:"id"`
	OrgID int64 `json:"org_id"`
	// ListingID is the need listing that publishes the call.
	ListingID  int64  `json:"listing_id"`
	Theme      string `json:"theme"`
	Background string `json:"background"`
	// Language is the ISO 639-1 code of the call's text.
	Language string `json:"language"`
	// Deadline is the instant submissions close; TimeZone is the IANA zone
	// (e.g. Asia/Tokyo) it was set in and is shown in.
	Deadline time.Time `json:"deadline"`
	TimeZone string    `json:"time_zone"`
	// Budget is the total on offer, in minor units of Currency.
	Budget   int64  `json:"budget"`
	Currency string `json:"currency"`
	// EligibleKinds and EligibleCountries restrict who may propose; empty
	// means anyone.
	EligibleKinds     []OrgKind   `json:"eligible_kinds"`
	EligibleCountries []string    `json:"eligible_countries"`
	TRLMin            int         `json:"trl_min"`
	TRLMax            int         `json:"trl_max"`
	Criteria          []Criterion `json:"criteria"`
	IPTerms           string      `json:"ip_terms"`
	CreatedBy         int64       `json:"created_by,omitempty"`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`
}

// Normalize trims text, upper-cases codes and stores the deadline in UTC.
func (c *Call) Normalize() {
	c.Theme = strings.TrimSpace(c.Theme)
	c.Background = strings.TrimSpace(c.Background)
	c.Language = strings.TrimSpace(c.Language)
	c.TimeZone = strings.TrimSpace(c.TimeZone)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	c.IPTerms = strings.TrimSpace(c.IPTerms)
	c.EligibleCountries = cleanList(c.EligibleCountries)
	for i := range c.EligibleCountries {
		c.EligibleCountries[i] = strings.ToUpper(c.EligibleCountries[i])
	}
	if c.EligibleKinds == nil {
		c.EligibleKinds = []OrgKind{}
	}
	if c.Criteria == nil {
		c.Criteria = []Criterion{}
	}
	for i := range c.Criteria {
		c.Criteria[i].Name = strings.TrimSpace(c.Criteria[i].Name)
	}
	c.Deadline = c.Deadline.UTC().Truncate(time.Second)
}

// Validate reports every invalid field of c.
func (c *Call) Validate() error {
	var p Problems
	if c.OrgID <= 0 {
		p.Add("org_id", "is required")
	}
	checkText(&p, "theme", c.Theme, 1, 300)
	checkText(&p, "background", c.Background, 0, 20000)
	if !ValidLanguage(c.Language) {
		p.Add("language", "%q is not a two-letter ISO 639-1 language code (e.g. en, ja)", c.Language)
	}
	if c.Deadline.IsZero() {
		p.Add("deadline", "is required")
	} else if c.Deadline.Year() < 2000 || c.Deadline.Year() > 2100 {
		p.Add("deadline", "must be between the years 2000 and 2100")
	}
	if _, err := LoadZone(c.TimeZone); err != nil {
		p.Add("time_zone", "%q is not an IANA time zone such as Asia/Tokyo, Europe/London or America/New_York", c.TimeZone)
	}
	if c.Budget < 0 {
		p.Add("budget", "must not be negative")
	}
	if len(c.Currency) != 3 || strings.Trim(c.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		p.Add("currency", "must be an ISO 4217 code such as JPY, USD, GBP")
	}
	validListOf(&p, "eligible_kinds", c.EligibleKinds, len(OrgKinds), func(k OrgKind) bool { return oneOf(k, OrgKinds) }, "one of "+names(OrgKinds))
	validList(&p, "eligible_countries", c.EligibleCountries, 100, ValidCountry, "an ISO 3166-1 alpha-2 country code"+countryHint(c.EligibleCountries))
	switch {
	case c.TRLMin < 1 || c.TRLMin > 9:
		p.Add("trl_min", "must be a technology readiness level from 1 to 9, got %d", c.TRLMin)
	case c.TRLMax < 1 || c.TRLMax > 9:
		p.Add("trl_max", "must be a technology readiness level from 1 to 9, got %d", c.TRLMax)
	case c.TRLMin > c.TRLMax:
		p.Add("trl_max", "must not be below trl_min (%d)", c.TRLMin)
	}
	if len(c.Criteria) == 0 {
		p.Add("criteria", "a call needs at least one evaluation criterion")
	}
	if len(c.Criteria) > 20 {
		p.Add("criteria", "at most 20 criteria, got %d", len(c.Criteria))
	}
	seen := map[string]bool{}
	for i, cr := range c.Criteria {
		field := "criteria[" + strconv.Itoa(i) + "]"
		checkText(&p, field+".name", cr.Name, 1, 200)
		if key := strings.ToLower(cr.Name); cr.Name != "" && seen[key] {
			p.Add(field+".name", "%q is named twice", cr.Name)
		} else {
			seen[key] = true
		}
		if !(cr.Weight > 0) || cr.Weight > 1000 || math.IsInf(cr.Weight, 0) {
			p.Add(field+".weight", "must be greater than 0 and at most 1000")
		}
	}
	checkText(&p, "ip_terms", c.IPTerms, 0, 5000)
	return p.Err("call")
}

// LoadZone loads an IANA time zone by name. The empty name and "Local" are
// refused, so that a stored name means the same on every server.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, Errorf(EINVALID, "no time zone")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, Errorf(EINVALID, "unknown time zone %q", name)
	}
	return loc, nil
}

// DeadlineLocal is the deadline in the call's own time zone.
func (c *Call) DeadlineLocal() time.Time {
	if loc, err := LoadZone(c.TimeZone); err == nil {
		return c.Deadline.In(loc)
	}
	return c.Deadline.UTC()
}

// Open reports whether proposals may still be submitted at now.
func (c *Call) Open(now time.Time) bool { return !now.After(c.Deadline) }

// Eligible reports whether organization o may answer the call, and if not,
// why (in English, for the error message).
func (c *Call) Eligible(o *Organization) (bool, string) {
	if len(c.EligibleKinds) > 0 && !slices.Contains(c.EligibleKinds, o.Kind) {
		return false, "the call is open to " + names(c.EligibleKinds) + ", not to a " + string(o.Kind)
	}
	if len(c.EligibleCountries) > 0 && !slices.Contains(c.EligibleCountries, o.Country) {
		return false, "the call is open to organizations in " + strings.Join(c.EligibleCountries, ", ") + ", not in " + o.Country
	}
	return true, ""
}

// Listing returns the need listing that publishes c: a public, open
// challenge of c's organization with c's theme, background and deadline.
func (c *Call) Listing() *Listing {
	summary := c.Background
	if summary == "" {
		summary = c.Theme
	}
	if utf8.RuneCountInString(summary) > 1000 {
		summary = string([]rune(summary)[:999]) + "…"
	}
	body := c.Background
	if c.IPTerms != "" {
		body += "\n\nIP: " + c.IPTerms
	}
	if utf8.RuneCountInString(body) > 20000 {
		body = string([]rune(body)[:19999]) + "…"
	}
	d := c.Deadline
	return &Listing{
		ID: c.ListingID, Side: SideNeed, Kind: KindChallenge, OrgID: c.OrgID,
		Title: c.Theme, Summary: summary, Body: body, Language: c.Language, TRL: c.TRLMax,
		IP:               IP{Status: IPNone},
		PartnershipTypes: []PartnershipType{PartnerCommissionedResearch, PartnerJointResearch},
		TargetCountries:  slices.Clone(c.EligibleCountries),
		Visibility:       VisibilityPublic, Status: StatusOpen, Deadline: &d,
	}
}

// ProposalStatus is where a proposal stands.
type ProposalStatus string

// Proposal statuses, in order. Adopted and rejected are decisions.
const (
	ProposalDraft     ProposalStatus = "draft"
	ProposalSubmitted ProposalStatus = "submitted"
	ProposalScreening ProposalStatus = "screening"
	ProposalReview    ProposalStatus = "review"
	ProposalFinalist  ProposalStatus = "finalist"
	ProposalAdopted   ProposalStatus = "adopted"
	ProposalRejected  ProposalStatus = "rejected"
)

// ProposalStatuses lists every status in order.
var ProposalStatuses = []ProposalStatus{ProposalDraft, ProposalSubmitted, ProposalScreening, ProposalReview,
	ProposalFinalist, ProposalAdopted, ProposalRejected}

// Decided reports whether s is a decision.
func (s ProposalStatus) Decided() bool { return s == ProposalAdopted || s == ProposalRejected }

// Proposal is an organization's answer to a call: a structured one-page
// proposal.
type Proposal struct {
	ID     int64 `json:"id"`
	CallID int64 `json:"call_id"`
	// OrgID is the proposing organization; ProposerID the person.
	OrgID      int64  `json:"org_id"`
	ProposerID int64  `json:"proposer_id"`
	Summary    string `json:"summary"`
	Approach   string `json:"approach"`
	TRL        int    `json:"trl"`
	Team       string `json:"team"`
	// RelatedListings are seeds the proposal builds on.
	RelatedListings []int64 `json:"related_listings"`
	// BudgetRequested is in minor units of the call's currency.
	BudgetRequested int64          `json:"budget_requested"`
	Status          ProposalStatus `json:"status"`
	// Feedback is the owner's explanation of the decision.
	Feedback string `json:"feedback,omitempty"`
	// IntroductionID is the introduction an adoption opened.
	IntroductionID int64      `json:"introduction_id,omitempty"`
	SubmittedAt    *time.Time `json:"submitted_at,omitempty"`
	DecidedAt      *time.Time `json:"decided_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Normalize trims the text fields.
func (p *Proposal) Normalize() {
	p.Summary = strings.TrimSpace(p.Summary)
	p.Approach = strings.TrimSpace(p.Approach)
	p.Team = strings.TrimSpace(p.Team)
	if p.RelatedListings == nil {
		p.RelatedListings = []int64{}
	}
}

// Validate reports every invalid field of p on its own; the call's rules
// (TRL range, budget) are CheckAgainst's.
func (p *Proposal) Validate() error {
	var pr Problems
	if p.CallID <= 0 {
		pr.Add("call_id", "is required")
	}
	checkText(&pr, "summary", p.Summary, 1, 2000)
	checkText(&pr, "approach", p.Approach, 1, 10000)
	checkText(&pr, "team", p.Team, 1, 5000)
	if p.TRL < 1 || p.TRL > 9 {
		pr.Add("trl", "must be a technology readiness level from 1 to 9, got %d", p.TRL)
	}
	if p.BudgetRequested < 0 {
		pr.Add("budget_requested", "must not be negative")
	}
	if len(p.RelatedListings) > 10 {
		pr.Add("related_listings", "at most 10 listings")
	}
	for i, id := range p.RelatedListings {
		if id <= 0 {
			pr.Add("related_listings["+strconv.Itoa(i)+"]", "must be a listing id")
		}
	}
	return pr.Err("proposal")
}

// CheckAgainst reports what in p the call does not accept: a TRL outside
// its range, or more budget than it offers.
func (p *Proposal) CheckAgainst(c *Call) error {
	var pr Problems
	if p.TRL < c.TRLMin || p.TRL > c.TRLMax {
		pr.Add("trl", "the call asks for TRL %d to %d", c.TRLMin, c.TRLMax)
	}
	if c.Budget > 0 && p.BudgetRequested > c.Budget {
		pr.Add("budget_requested", "exceeds the call's budget")
	}
	return pr.Err("proposal")
}

// ProposalMove is a requested change of a proposal's status by the call's
// owner. Feedback is required for a decision.
type ProposalMove struct {
	To       ProposalStatus `json:"to"`
	Feedback string         `json:"feedback,omitempty"`
}

// nextProposal is the forward step allowed from each stage.
var nextProposal = map[ProposalStatus]ProposalStatus{
	ProposalSubmitted: ProposalScreening,
	ProposalScreening: ProposalReview,
	ProposalReview:    ProposalFinalist,
	ProposalFinalist:  ProposalAdopted,
}

// CheckMove reports whether m is allowed from p's status: one step forward
// (adoption only from finalist), or rejection from any stage after
// submission; a decision needs feedback.
func (p *Proposal) CheckMove(m ProposalMove) error {
	var pr Problems
	switch {
	case p.Status == ProposalDraft:
		return Errorf(ECONFLICT, "the proposal is a draft: its organization submits it first")
	case p.Status.Decided():
		return Errorf(ECONFLICT, "the proposal was %s already", p.Status)
	case !oneOf(m.To, ProposalStatuses) || m.To == ProposalDraft || m.To == ProposalSubmitted:
		pr.Add("to", "must be one of screening, review, finalist, adopted, rejected")
	case m.To != ProposalRejected && nextProposal[p.Status] != m.To:
		return &Error{Code: ECONFLICT, Message: "from " + string(p.Status) + " the next stage is " + string(nextProposal[p.Status]) + " (or rejected)",
			Fields: []FieldError{{Field: "to", Message: "not allowed from " + string(p.Status)}}}
	}
	fb := strings.TrimSpace(m.Feedback)
	if m.To.Decided() && fb == "" {
		pr.Add("feedback", "a decision needs feedback for the proposer")
	}
	checkText(&pr, "feedback", fb, 0, 5000)
	return pr.Err("move")
}

// Score is one reviewer's score of one criterion, 0 to 10, with a comment.
type Score struct {
	Criterion string `json:"criterion"`
	Score     int    `json:"score"`
	Comment   string `json:"comment"`
}

// Review is one reviewer's scores of a proposal, one per criterion.
type Review struct {
	ID         int64     `json:"id"`
	ProposalID int64     `json:"proposal_id"`
	ReviewerID int64     `json:"reviewer_id"`
	Scores     []Score   `json:"scores"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// CheckAgainst reports whether r scores every criterion of c exactly once,
// each from 0 to 10 with a comment.
func (r *Review) CheckAgainst(c *Call) error {
	var p Problems
	got := map[string]bool{}
	for i, s := range r.Scores {
		field := "scores[" + strconv.Itoa(i) + "]"
		if !slices.ContainsFunc(c.Criteria, func(cr Criterion) bool { return cr.Name == s.Criterion }) {
			p.Add(field+".criterion", "%q is not a criterion of the call", s.Criterion)
		} else if got[s.Criterion] {
			p.Add(field+".criterion", "%q is scored twice", s.Criterion)
		}
		got[s.Criterion] = true
		if s.Score < 0 || s.Score > 10 {
			p.Add(field+".score", "must be from 0 to 10, got %d", s.Score)
		}
		checkText(&p, field+".comment", strings.TrimSpace(s.Comment), 1, 2000)
	}
	for _, cr := range c.Criteria {
		if !got[cr.Name] {
			p.Add("scores", "criterion %q is not scored", cr.Name)
		}
	}
	return p.Err("review")
}

// Ranked is a proposal with its weighted score.
type Ranked struct {
	Proposal *Proposal `json:"proposal"`
	// Score is Σ weight × mean reviewer score of the criterion / Σ weights,
	// from 0 to 10; criteria nobody scored count 0.
	Score float64 `json:"score"`
	// Criteria is the mean score of each criterion, in the call's order.
	Criteria []float64 `json:"criteria"`
	Reviews  int       `json:"reviews"`
}

// Rank scores proposals by their reviews and orders them by score,
// highest first, ties by id.
func Rank(c *Call, proposals []*Proposal, reviews []*Review) []Ranked {
	var total float64
	for _, cr := range c.Criteria {
		total += cr.Weight
	}
	byProposal := map[int64][]*Review{}
	for _, r := range reviews {
		byProposal[r.ProposalID] = append(byProposal[r.ProposalID], r)
	}
	out := make([]Ranked, 0, len(proposals))
	for _, p := range proposals {
		rv := byProposal[p.ID]
		rk := Ranked{Proposal: p, Criteria: make([]float64, len(c.Criteria)), Reviews: len(rv)}
		for i, cr := range c.Criteria {
			sum, n := 0, 0
			for _, r := range rv {
				for _, s := range r.Scores {
					if s.Criterion == cr.Name {
						sum += s.Score
						n++
					}
				}
			}
			if n > 0 {
				rk.Criteria[i] = float64(sum) / float64(n)
			}
			if total > 0 {
				rk.Score += cr.Weight * rk.Criteria[i] / total
			}
		}
		out = append(out, rk)
	}
	slices.SortStableFunc(out, func(a, b Ranked) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.Proposal.ID < b.Proposal.ID:
			return -1
		case a.Proposal.ID > b.Proposal.ID:
			return 1
		}
		return 0
	})
	return out
}

// CallStats counts a call's submitted proposals (every status but draft)
// by the proposing organization's country and kind.
type CallStats struct {
	Proposals int            `json:"proposals"`
	ByCountry map[string]int `json:"by_country"`
	ByKind    map[string]int `json:"by_kind"`
	ByStatus  map[string]int `json:"by_status"`
}

// CallFilter selects calls in a list.
type CallFilter struct {
	OrgID int64
	// OpenAt, if set, keeps calls whose deadline is not before it.
	OpenAt time.Time
	After  int64
	Limit  int
}

// ProposalFilter selects proposals in a list. Zero values do not filter.
type ProposalFilter struct {
	CallID int64
	OrgID  int64
	// Reviewer keeps proposals this user is assigned to review.
	Reviewer int64
	// Drafts includes drafts; lists for the call's owner leave them out.
	Drafts bool
	After  int64
	Limit  int
}

// CallService stores calls, proposals and reviews. Writes check the actor's
// rights themselves, inside their transaction.
type CallService interface {
	Call(ctx context.Context, id int64) (*Call, error)
	Calls(ctx context.Context, f CallFilter) ([]*Call, error)
	CreateCall(ctx context.Context, c *Call, actor *User) error
	UpdateCall(ctx context.Context, c *Call, actor *User) error

	Proposal(ctx context.Context, id int64) (*Proposal, error)
	Proposals(ctx context.Context, f ProposalFilter) ([]*Proposal, error)
	CreateProposal(ctx context.Context, p *Proposal, actor *User) error
	UpdateProposal(ctx context.Context, p *Proposal, actor *User) error
	SubmitProposal(ctx context.Context, id int64, actor *User) (*Proposal, error)
	MoveProposal(ctx context.Context, id int64, m ProposalMove, actor *User) (*Proposal, error)

	AssignReviewer(ctx context.Context, proposalID, userID int64, actor *User) error
	Reviewers(ctx context.Context, proposalID int64) ([]int64, error)
	PutReview(ctx context.Context, r *Review, actor *User) error
	Reviews(ctx context.Context, proposalID int64) ([]*Review, error)

	Ranking(ctx context.Context, callID int64) ([]Ranked, error)
	CallStats(ctx context.Context, callID int64) (*CallStats, error)
}

// CanManageCall reports whether u speaks for the call's owner: members of
// its organization and platform staff.
func CanManageCall(u *User, c *Call) bool { return u.IsStaff() || u.InOrg(c.OrgID) }

// CanCreateCallFor reports whether u may put out calls for organization orgID.
func CanCreateCallFor(u *User, orgID int64) bool { return u.IsStaff() || u.InOrg(orgID) }

// CanSeeProposal reports whether u may see proposal p of call c: its
// organization, the call owner's side and its assigned reviewers (once it
// is submitted), and platform staff. Nobody else learns it exists.
func CanSeeProposal(u *User, c *Call, p *Proposal, reviewers []int64) bool {
	switch {
	case u == nil:
		return false
	case u.IsStaff(), u.InOrg(p.OrgID), u.ID == p.ProposerID:
		return true
	case p.Status == ProposalDraft:
		return false
	}
	return u.InOrg(c.OrgID) || slices.Contains(reviewers, u.ID)
}

// CanEditProposal reports whether u may change or submit p: members of the
// proposing organization (and the proposer), while it is a draft.
func CanEditProposal(u *User, p *Proposal) bool {
	return u != nil && (u.InOrg(p.OrgID) || u.ID == p.ProposerID)
}

// CanSeeReviews reports whether u may read every review of a proposal of
// call c: the owner's side and staff. Reviewers read their own.
func CanSeeReviews(u *User, c *Call) bool { return CanManageCall(u, c) }
