package kakehashi

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// textLeaf is one string a user writes into a value: its JSON path, as
// field errors name it, and the value to change.
type textLeaf struct {
	path string
	v    reflect.Value
}

// textLeaves lists the strings of v (a struct), its lists' first entries
// and its nested structs', by JSON path.
func textLeaves(prefix string, v reflect.Value) []textLeaf {
	var out []textLeaf
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out = append(out, textLeaves(prefix, v.Elem())...)
		}
	case reflect.String:
		out = append(out, textLeaf{prefix, v})
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 && v.Len() > 0 {
			out = append(out, textLeaves(prefix+"[0]", v.Index(0))...)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			break
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			if prefix != "" {
				name = prefix + "." + name
			}
			out = append(out, textLeaves(name, v.Field(i))...)
		}
	}
	return out
}

// nulCase is a valid value of a type users write, the check its writes go
// through, and the strings of it that are not the user's (set by the
// server, or checked on another path), with the reason.
type nulCase[T any] struct {
	valid T
	check func(T) error
	skip  map[string]string
}

// refusesNUL puts a NUL into each string of c.valid in turn and expects
// check to name that field.
func refusesNUL[T any](t *testing.T, c nulCase[T]) {
	t.Helper()
	if err := c.check(c.valid); err != nil {
		t.Fatalf("%T: the valid value is refused: %v", c.valid, err)
	}
	b, err := json.Marshal(c.valid)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() T {
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := fresh()
	leaves := textLeaves("", reflect.ValueOf(&v0))
	if len(leaves) == 0 {
		t.Fatalf("%T has no strings", c.valid)
	}
	for i := range leaves {
		v := fresh()
		leaf := textLeaves("", reflect.ValueOf(&v))[i]
		if _, ok := c.skip[leaf.path]; ok {
			continue
		}
		leaf.v.SetString(leaf.v.String() + "\x00x")
		err := c.check(v)
		// The error names the field, or the list entry holding it (an
		// event's break is checked as a whole: breaks[0]).
		names := func(f FieldError) bool { return f.Field == leaf.path || strings.HasPrefix(leaf.path, f.Field+".") }
		if ErrorCode(err) != EINVALID || !slices.ContainsFunc(FieldErrors(err), names) {
			t.Errorf("%T with a NUL in %s: %v; want invalid, naming %s", c.valid, leaf.path, err, leaf.path)
		}
	}
}

// TestTextRefusesNUL checks that no string a user writes may hold a NUL
// byte (PostgreSQL refuses it with a driver error; other readers take it
// for the end of the text): each type's validation names the field.
func TestTextRefusesNUL(t *testing.T) {
	deadline := time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)
	start, end := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	call := &Call{OrgID: 1, Theme: "Solid electrolytes", Background: "Why", Language: "en", Deadline: deadline, TimeZone: "Asia/Tokyo",
		Budget: 100, Currency: "JPY", EligibleKinds: []OrgKind{"university"}, EligibleCountries: []string{"JP"}, TRLMin: 2, TRLMax: 6,
		Criteria: []Criterion{{Name: "Fit", Weight: 1}}, IPTerms: "Shared"}
	consortium := &Consortium{LeadOrgID: 1, Title: "Batteries", TitleJA: "電池", Description: "Joint work", DescriptionJA: "共同研究",
		Fields: []string{"2.5"}, Keywords: []string{"battery"}, Start: start, End: end}
	members := []*Membership{{OrgID: 1, Role: MemberMember, Status: MembershipActive}}
	atNDA := &Introduction{ListingID: 1, RequesterID: 2, Message: "Hello", Stage: StageNDA}

	t.Run("listing", func(t *testing.T) {
		refusesNUL(t, nulCase[*Listing]{
			valid: &Listing{Side: "seed", Kind: "technology", OrgID: 1, Title: "Sulfide electrolyte", Summary: "A summary", Body: "A body",
				Language: "en", Keywords: []string{"battery"}, Fields: []string{"2.5"}, Sectors: []string{"energy"}, TRL: 4,
				IP: IP{Patents: []string{"JP7123456B2"}, Status: "granted", Jurisdictions: []string{"JP"}}, PartnershipTypes: []PartnershipType{"license"},
				TargetCountries: []string{"US"}, Visibility: "public", Status: "open", ExternalID: "ext-1"},
			check: (*Listing).Validate,
		})
	})
	t.Run("organization", func(t *testing.T) {
		refusesNUL(t, nulCase[*Organization]{
			valid: &Organization{Name: "Example University", LocalName: "例大学", Aliases: []string{"EU"}, Kind: "university", Country: "JP",
				Region: "JP-13", Sectors: []string{"energy"}, Website: "https://example.ac.jp", Description: "About",
				ROR: "https://ror.org/057zh3y96", CorporateNumber: "1234567890123", ExternalID: "ror:057zh3y96"},
			check: (*Organization).Validate,
		})
	})
	t.Run("user", func(t *testing.T) {
		refusesNUL(t, nulCase[*User]{
			valid: &User{Email: "a@example.org", Name: "Aiko", OrgID: 1, OrgRole: "member"},
			check: (*User).Validate,
		})
	})
	t.Run("API token", func(t *testing.T) {
		refusesNUL(t, nulCase[*APIToken]{valid: &APIToken{UserID: 1, Name: "ci"}, check: (*APIToken).Validate})
	})
	t.Run("interest", func(t *testing.T) {
		refusesNUL(t, nulCase[*Introduction]{
			valid: &Introduction{ListingID: 1, RequesterID: 2, Message: "Hello"},
			check: (*Introduction).Validate,
			skip: map[string]string{"stage": "set by the server", "outcome": "written by a transition", "reason": "written by a transition",
				"reason_text": "written by a transition", "hold": "set by the server"},
		})
	})
	t.Run("message", func(t *testing.T) {
		refusesNUL(t, nulCase[*Message]{valid: &Message{Body: "Shall we meet?"}, check: (*Message).Validate})
	})
	t.Run("transition", func(t *testing.T) {
		refusesNUL(t, nulCase[Transition]{
			valid: Transition{To: StageAgreement, ReasonText: "why", Note: "signed", Agreement: &Agreement{Type: "license",
				Parties: []string{"A", "B"}, Currency: "JPY", Date: deadline}},
			check: atNDA.CheckTransition,
			skip:  map[string]string{"outcome": "checked when closing, the only time it is stored", "reason": "checked when closing, the only time it is stored"},
		})
	})
	t.Run("call", func(t *testing.T) { refusesNUL(t, nulCase[*Call]{valid: call, check: (*Call).Validate}) })
	t.Run("proposal", func(t *testing.T) {
		refusesNUL(t, nulCase[*Proposal]{
			valid: &Proposal{CallID: 1, Summary: "Plan", Approach: "How", Team: "Who", TRL: 3},
			check: (*Proposal).Validate,
			skip:  map[string]string{"status": "set by the server", "feedback": "written by a move"},
		})
	})
	t.Run("proposal move", func(t *testing.T) {
		p := &Proposal{Status: ProposalReview}
		refusesNUL(t, nulCase[ProposalMove]{valid: ProposalMove{To: ProposalFinalist, Feedback: "Good"}, check: p.CheckMove})
	})
	t.Run("review", func(t *testing.T) {
		refusesNUL(t, nulCase[*Review]{
			valid: &Review{Scores: []Score{{Criterion: "Fit", Score: 7, Comment: "Good fit"}}},
			check: func(r *Review) error { return r.CheckAgainst(call) },
		})
	})
	t.Run("event", func(t *testing.T) {
		refusesNUL(t, nulCase[*Event]{
			valid: &Event{OrgID: 1, Name: "Partnering day", Description: "Meet", Status: "draft", Venue: "Osaka", TimeZone: "Asia/Tokyo",
				StartDate: "2027-05-01", EndDate: "2027-05-01", DayStart: "09:00", DayEnd: "17:00", Breaks: []Break{{Start: "12:00", End: "13:00"}},
				MeetingMinutes: 30, Tables: 10},
			check: (*Event).Validate,
		})
	})
	t.Run("registration", func(t *testing.T) {
		refusesNUL(t, nulCase[*Participant]{
			valid: &Participant{EventID: 1, UserID: 1, Name: "Aiko", Profile: "Batteries"},
			check: func(p *Participant) error { return p.Validate(10) },
		})
	})
	t.Run("meeting request", func(t *testing.T) {
		refusesNUL(t, nulCase[*MeetingRequest]{
			valid: &MeetingRequest{FromID: 1, ToID: 2, Reason: "Batteries"},
			check: (*MeetingRequest).Validate,
			skip:  map[string]string{"status": "set by the server"},
		})
	})
	t.Run("consortium", func(t *testing.T) {
		refusesNUL(t, nulCase[*Consortium]{valid: consortium, check: (*Consortium).Validate})
	})
	t.Run("membership", func(t *testing.T) {
		refusesNUL(t, nulCase[*Membership]{
			valid: &Membership{OrgID: 2, Role: MemberMember, Message: "May we join?"},
			check: (*Membership).Validate,
			skip:  map[string]string{"status": "set by the server"},
		})
	})
	t.Run("task", func(t *testing.T) {
		refusesNUL(t, nulCase[*Task]{
			valid: &Task{Title: "Samples", Description: "Ship", OwnerOrgID: 1, Status: TaskPlanned, Start: start, Due: end},
			check: func(task *Task) error { return task.Validate(consortium, members) },
		})
	})
	t.Run("funding call", func(t *testing.T) {
		refusesNUL(t, nulCase[*FundingCall]{
			valid: &FundingCall{OrgID: 1, Programme: "Moonshot", ProgrammeJA: "ムーンショット", Description: "Money", EligibleKinds: []OrgKind{"company"},
				EligibleCountries: []string{"JP"}, AmountMax: 100, Currency: "JPY", Deadline: deadline, Fields: []string{"2.5"}, Keywords: []string{"battery"}},
			check: (*FundingCall).Validate,
		})
	})
	t.Run("researcher", func(t *testing.T) {
		refusesNUL(t, nulCase[*Researcher]{valid: validResearcher(), check: (*Researcher).Validate})
	})
	t.Run("audit event", func(t *testing.T) {
		refusesNUL(t, nulCase[*AuditEvent]{valid: &AuditEvent{Actor: "user:1", Action: "create", RecordType: "listing"}, check: (*AuditEvent).Validate})
	})
	t.Run("researcher search", func(t *testing.T) {
		// Not stored, but sent to the database as a LIKE pattern.
		if err := (&ResearcherFilter{Query: "perov\x00skite"}).Validate(); !slices.ContainsFunc(FieldErrors(err), func(f FieldError) bool { return f.Field == "q" }) {
			t.Errorf("a researcher search with a NUL: %v; want invalid, naming q", err)
		}
	})
	t.Run("screening decision", func(t *testing.T) {
		if err := ValidateDecision(DecisionCleared, "same name, other person\x00"); !slices.ContainsFunc(FieldErrors(err), func(f FieldError) bool { return f.Field == "reason" }) {
			t.Errorf("a decision reason with a NUL: %v; want invalid, naming reason", err)
		}
	})
}

// TestNULMessage checks the message names the problem for a person.
func TestNULMessage(t *testing.T) {
	err := (&Message{Body: "a\x00b"}).Validate()
	if fe := FieldErrors(err); len(fe) != 1 || fe[0].Field != "body" || !strings.Contains(fe[0].Message, "NUL") {
		t.Errorf("message with a NUL: %v", err)
	}
}
