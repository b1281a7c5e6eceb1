package kakehashi

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Stage is where an introduction stands in the collaboration pipeline.
type Stage string

// Pipeline stages, in order.
const (
	StageInterest   Stage = "interest"
	StageIntroduced Stage = "introduced"
	StageMeeting    Stage = "meeting"
	StageNDA        Stage = "nda"
	StageAgreement  Stage = "agreement"
	StageClosed     Stage = "closed"
)

// Stages lists the stages in pipeline order.
var Stages = []Stage{StageInterest, StageIntroduced, StageMeeting, StageNDA, StageAgreement, StageClosed}

// Outcome is how a closed introduction ended.
type Outcome string

// Outcomes. Declined means the owner turned the interest down before any
// introduction.
const (
	OutcomeNone     Outcome = ""
	OutcomeWon      Outcome = "won"
	OutcomeLost     Outcome = "lost"
	OutcomeDeclined Outcome = "declined"
)

// Reason says why an interest was declined or an introduction lost. A
// requester always hears one: silence after an approach is what drives
// people away from matching platforms.
type Reason string

// Reasons.
const (
	ReasonTooEarly        Reason = "too_early"
	ReasonBenefitUnclear  Reason = "benefit_unclear"
	ReasonCommercialRoute Reason = "commercial_route_unclear"
	ReasonNotAFit         Reason = "not_a_fit"
	ReasonNoCapacity      Reason = "no_capacity"
	ReasonOther           Reason = "other"
)

// Reasons lists every reason.
var Reasons = []Reason{ReasonTooEarly, ReasonBenefitUnclear, ReasonCommercialRoute, ReasonNotAFit, ReasonNoCapacity, ReasonOther}

// Agreement is what an introduction ended in.
type Agreement struct {
	Type PartnershipType `json:"type"`
	// Parties names the organizations that signed.
	Parties []string `json:"parties"`
	// Value is in minor units of Currency (yen, cents, pence) to stay exact.
	Value    int64     `json:"value"`
	Currency string    `json:"currency"`
	Date     time.Time `json:"date"`
}

// Validate reports every invalid field of a.
func (a *Agreement) Validate() error {
	var p Problems
	if !oneOf(a.Type, PartnershipTypes) {
		p.Add("agreement.type", "must be one of %s", names(PartnershipTypes))
	}
	validList(&p, "agreement.parties", a.Parties, 20, func(s string) bool { s = strings.TrimSpace(s); return s != "" && len(s) <= 200 }, "an organization name")
	if len(a.Parties) < 2 {
		p.Add("agreement.parties", "an agreement has at least two parties")
	}
	if a.Value < 0 {
		p.Add("agreement.value", "must not be negative")
	}
	if len(a.Currency) != 3 || strings.ToUpper(a.Currency) != a.Currency {
		p.Add("agreement.currency", "must be an ISO 4217 code such as JPY, USD, GBP")
	}
	if a.Date.IsZero() || a.Date.Year() < 2000 || a.Date.Year() > 2100 {
		p.Add("agreement.date", "is required")
	}
	return p.Err("agreement")
}

// Introduction carries one approach — an interest in a listing — through
// introduction, meeting, NDA and agreement to a recorded outcome.
type Introduction struct {
	ID        int64 `json:"id"`
	ListingID int64 `json:"listing_id"`
	// OwnerOrgID owns the listing. It is hidden from the requester's side
	// (OwnerHidden) while a confidential listing's introduction is pending.
	OwnerOrgID  int64 `json:"owner_org_id,omitempty"`
	OwnerHidden bool  `json:"owner_hidden,omitempty"`
	RequesterID int64 `json:"requester_id"`
	// RequesterOrgID is the requester's organization when they asked.
	RequesterOrgID int64 `json:"requester_org_id,omitempty"`
	// RelatedListingID is the requester's own listing the interest answers.
	RelatedListingID int64      `json:"related_listing_id,omitempty"`
	Message          string     `json:"message"`
	Stage            Stage      `json:"stage"`
	Outcome          Outcome    `json:"outcome,omitempty"`
	Reason           Reason     `json:"reason,omitempty"`
	ReasonText       string     `json:"reason_text,omitempty"`
	Agreement        *Agreement `json:"agreement,omitempty"`
	CoordinatorID    int64      `json:"coordinator_id,omitempty"`
	StageChangedAt   time.Time  `json:"stage_changed_at"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	// Stalled is computed: open, and no stage change for the stall period.
	Stalled bool `json:"stalled"`
	// Hold is HoldScreening while the requester's organization awaits an
	// export-control review; an interest on hold cannot be accepted.
	Hold string `json:"hold,omitempty"`
}

// Validate reports every invalid field of a new interest.
func (in *Introduction) Validate() error {
	var p Problems
	if in.ListingID <= 0 {
		p.Add("listing_id", "is required")
	}
	if in.RequesterID <= 0 {
		p.Add("requester_id", "is required")
	}
	checkText(&p, "message", strings.TrimSpace(in.Message), 1, 5000)
	if in.RelatedListingID < 0 {
		p.Add("related_listing_id", "must be a listing id")
	}
	return p.Err("interest")
}

// Open reports whether the introduction is still in the pipeline.
func (in *Introduction) Open() bool { return in.Stage != StageClosed }

// Transition is a requested move of an introduction.
type Transition struct {
	To         Stage      `json:"to"`
	Outcome    Outcome    `json:"outcome,omitempty"`
	Reason     Reason     `json:"reason,omitempty"`
	ReasonText string     `json:"reason_text,omitempty"`
	Agreement  *Agreement `json:"agreement,omitempty"`
	Note       string     `json:"note,omitempty"`
}

// nextStage is the one forward step allowed from each open stage.
var nextStage = map[Stage]Stage{
	StageInterest:   StageIntroduced,
	StageIntroduced: StageMeeting,
	StageMeeting:    StageNDA,
	StageNDA:        StageAgreement,
}

// CheckTransition reports whether t is allowed from the introduction's
// current stage, and what it needs: a decline (closing an interest) needs a
// reason; closing after an introduction needs won or lost (lost with a
// reason); reaching agreement needs the agreement.
func (in *Introduction) CheckTransition(t Transition) error {
	var p Problems
	switch {
	case in.Stage == StageClosed:
		return Errorf(ECONFLICT, "the introduction is closed")
	case t.To == StageIntroduced && in.Hold != "":
		return &Error{Code: ECONFLICT, Message: "held for export-control review: a coordinator must clear the requesting organization first",
			Fields: []FieldError{{Field: "to", Message: "the introduction is on hold (" + in.Hold + ")"}}}
	case t.To == StageClosed && in.Stage == StageInterest:
		if t.Outcome != OutcomeDeclined {
			p.Add("outcome", "closing an interest declines it: outcome must be declined")
		}
		if !oneOf(t.Reason, Reasons) {
			p.Add("reason", "a decline needs a reason: one of %s", names(Reasons))
		}
	case t.To == StageClosed:
		switch t.Outcome {
		case OutcomeWon:
			if in.Stage != StageAgreement {
				p.Add("outcome", "only an introduction that reached an agreement is won")
			}
		case OutcomeLost:
			if !oneOf(t.Reason, Reasons) {
				p.Add("reason", "a lost introduction needs a reason: one of %s", names(Reasons))
			}
		default:
			p.Add("outcome", "must be won or lost")
		}
	case nextStage[in.Stage] != t.To:
		if !slices.Contains(Stages, t.To) {
			p.Add("to", "must be one of %s", names(Stages))
		} else {
			return &Error{Code: ECONFLICT, Message: "from " + string(in.Stage) + " the next stage is " + string(nextStage[in.Stage]) + " (or closed)",
				Fields: []FieldError{{Field: "to", Message: "not allowed from " + string(in.Stage)}}}
		}
	case t.To == StageAgreement:
		if t.Agreement == nil {
			p.Add("agreement", "is required to reach the agreement stage")
		} else if err := t.Agreement.Validate(); err != nil {
			p.list = append(p.list, FieldErrors(err)...)
		}
	}
	if len(t.ReasonText) > 2000 {
		p.Add("reason_text", "must be at most 2000 characters")
	}
	checkNoNUL(&p, "reason_text", t.ReasonText)
	checkNoNUL(&p, "note", t.Note)
	return p.Err("transition")
}

// StageEvent records one move of an introduction.
type StageEvent struct {
	ID             int64 `json:"id"`
	IntroductionID int64 `json:"introduction_id"`
	// ActorID is 0 for the platform itself, and for a person the viewer
	// may not know (ActorHidden; see HidesPerson).
	ActorID     int64     `json:"actor_id"`
	ActorHidden bool      `json:"actor_hidden,omitempty"`
	From        Stage     `json:"from"`
	To          Stage     `json:"to"`
	Note        string    `json:"note,omitempty"`
	At          time.Time `json:"at"`
}

// Message is one post in an introduction's thread.
type Message struct {
	ID             int64 `json:"id"`
	IntroductionID int64 `json:"introduction_id"`
	// AuthorID is 0 for an author the viewer may not know (AuthorHidden;
	// see HidesPerson).
	AuthorID     int64     `json:"author_id"`
	AuthorHidden bool      `json:"author_hidden,omitempty"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// Validate reports an empty or oversized message.
func (m *Message) Validate() error {
	var p Problems
	checkText(&p, "body", strings.TrimSpace(m.Body), 1, 10000)
	return p.Err("message")
}

// IntroductionFilter selects introductions.
type IntroductionFilter struct {
	// Party restricts to introductions this user is a party of (requester,
	// a member of either organization, or the assigned coordinator).
	Party *User
	// StalledBefore, if set, keeps open introductions whose stage has not
	// changed since then.
	StalledBefore time.Time
	Coordinator   int64
	Open          bool
	After         int64
	Limit         int
}

// IntroductionService stores the pipeline.
type IntroductionService interface {
	Introduction(ctx context.Context, id int64) (*Introduction, error)
	Introductions(ctx context.Context, f IntroductionFilter) ([]*Introduction, error)
	CreateIntroduction(ctx context.Context, in *Introduction, actor *User) error
	Transition(ctx context.Context, id int64, t Transition, actor *User) (*Introduction, error)
	AssignCoordinator(ctx context.Context, id, coordinatorID int64, actor *User) error
	StageEvents(ctx context.Context, id int64) ([]*StageEvent, error)
	Messages(ctx context.Context, id int64) ([]*Message, error)
	PostMessage(ctx context.Context, m *Message, actor *User) error
}

// IsParty reports whether u takes part in the introduction: the requester,
// a member of the requesting or the owning organization, or its
// coordinator.
func (in *Introduction) IsParty(u *User) bool {
	if u == nil {
		return false
	}
	return u.ID == in.RequesterID || u.InOrg(in.RequesterOrgID) || u.InOrg(in.OwnerOrgID) || (in.CoordinatorID != 0 && u.ID == in.CoordinatorID)
}

// OnOwnerSide reports whether u speaks for the listing's owner.
func (in *Introduction) OnOwnerSide(u *User) bool { return u.InOrg(in.OwnerOrgID) }

// CanSeeIntroduction reports whether u may see the introduction and its
// messages: its parties and platform staff.
func CanSeeIntroduction(u *User, in *Introduction) bool { return u.IsStaff() || in.IsParty(u) }

// CanTransition reports whether u may make transition t: accepting or
// declining an interest is the owner's (or staff's) decision; later stages
// may be moved by either side or the coordinator.
func CanTransition(u *User, in *Introduction, t Transition) bool {
	if !CanSeeIntroduction(u, in) {
		return false
	}
	if in.Stage == StageInterest {
		return u.IsStaff() || in.OnOwnerSide(u)
	}
	return true
}

// RedactIntroduction hides the owner of a confidential listing from the
// requester's side until the owner accepts.
func RedactIntroduction(u *User, in *Introduction, confidential bool) *Introduction {
	if !confidential || in.Stage != StageInterest && in.Outcome != OutcomeDeclined || u.IsStaff() || in.OnOwnerSide(u) {
		return in
	}
	c := *in
	c.OwnerOrgID, c.OwnerHidden = 0, true
	return &c
}

// HidesPerson reports whether person p, who acted on introduction in (as
// stored) or wrote in its thread, must stay anonymous to a viewer who sees
// the introduction as shown — what RedactIntroduction returned for them.
// While the owner is hidden, so are the people who speak for it: a user id
// names a person, and the public researcher profiles tie people to their
// organization. Only the requester, members of the requesting organization
// and platform staff outside the owner stay named; a person who cannot be
// found (nil) stays hidden, since nobody can tell which side they were on.
// Every reader of the pipeline — the API, the pages, the webhooks — asks
// this one function.
func HidesPerson(in, shown *Introduction, p *User) bool {
	if !shown.OwnerHidden {
		return false
	}
	if p == nil || p.InOrg(in.OwnerOrgID) {
		return true
	}
	return p.ID != in.RequesterID && !p.InOrg(in.RequesterOrgID) && !p.IsStaff()
}

// RedactStageEvent returns e as a viewer who sees introduction in as shown
// may see it: without its actor when HidesPerson hides them. actor is the
// user e.ActorID names (nil if gone); e itself is never changed.
func RedactStageEvent(in, shown *Introduction, e *StageEvent, actor *User) *StageEvent {
	if e.ActorID == 0 || !HidesPerson(in, shown, actor) {
		return e
	}
	c := *e
	c.ActorID, c.ActorHidden = 0, true
	return &c
}

// RedactMessage returns m as a viewer who sees introduction in as shown may
// see it: without its author when HidesPerson hides them. author is the
// user m.AuthorID names (nil if gone); m itself is never changed.
func RedactMessage(in, shown *Introduction, m *Message, author *User) *Message {
	if m.AuthorID == 0 || !HidesPerson(in, shown, author) {
		return m
	}
	c := *m
	c.AuthorID, c.AuthorHidden = 0, true
	return &c
}

// Notification is one entry of a user's in-app inbox.
type Notification struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Kind   string `json:"kind"`
	// Subject is a one-line English summary; Link points at the record.
	Subject   string     `json:"subject"`
	Link      string     `json:"link,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}
