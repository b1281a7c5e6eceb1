package kakehashi

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// ScreeningStatus is the result of checking an organization against the
// restricted-party lists.
type ScreeningStatus string

// Screening statuses.
const (
	ScreeningClear          ScreeningStatus = "clear"
	ScreeningPotentialMatch ScreeningStatus = "potential_match"
)

// ScreeningDecision is a reviewer's decision on a potential match.
type ScreeningDecision string

// Decisions: cleared (a false positive, the organization may proceed) or
// blocked (a true match, its introductions stay held).
const (
	DecisionNone    ScreeningDecision = ""
	DecisionCleared ScreeningDecision = "cleared"
	DecisionBlocked ScreeningDecision = "blocked"
)

// HoldScreening is the hold an introduction carries while its foreign
// party's screening is unresolved: the owner cannot accept it until a
// coordinator clears the organization.
const HoldScreening = "screening"

// ScreeningResult is one screening of an organization against a version of
// the lists, with a reviewer's decision when it found potential matches.
type ScreeningResult struct {
	ID          int64           `json:"id"`
	OrgID       int64           `json:"org_id"`
	ListVersion int64           `json:"list_version"`
	Status      ScreeningStatus `json:"status"`
	// Hits are the potential matches with their per-feature explanations
	// (screening.Hit values), kept as they were found.
	Hits           json.RawMessage   `json:"hits"`
	ScreenedAt     time.Time         `json:"screened_at"`
	Decision       ScreeningDecision `json:"decision,omitempty"`
	DecisionReason string            `json:"decision_reason,omitempty"`
	DecidedBy      int64             `json:"decided_by,omitempty"`
	DecidedAt      *time.Time        `json:"decided_at,omitempty"`
}

// Clear reports whether the organization may be introduced: nothing was
// found, or a reviewer cleared what was.
func (r *ScreeningResult) Clear() bool {
	return r != nil && (r.Status == ScreeningClear || r.Decision == DecisionCleared)
}

// Flagged reports whether the result holds the organization back: a
// potential match that no reviewer cleared, undecided or blocked. A flagged
// organization's interests in controlled listings are held whatever its
// country, since a country is a profile field and can change.
func (r *ScreeningResult) Flagged() bool {
	return r != nil && !r.Clear()
}

// ValidateDecision checks a reviewer's decision.
func ValidateDecision(d ScreeningDecision, reason string) error {
	var p Problems
	if d != DecisionCleared && d != DecisionBlocked {
		p.Add("decision", "must be cleared or blocked")
	}
	if r := strings.TrimSpace(reason); r == "" || len(r) > 2000 {
		p.Add("reason", "is required (at most 2000 characters): say why, for the record")
	} else {
		checkNoNUL(&p, "reason", r)
	}
	return p.Err("screening decision")
}

// NeedsScreening reports whether an interest from requesterOrg in a listing
// of ownerOrg must pass screening first: the two are in different countries
// and the listing is export-control relevant, or the platform screens every
// cross-border introduction.
func NeedsScreening(l *Listing, owner, requester *Organization, screenAllCrossBorder bool) bool {
	if owner == nil || requester == nil || owner.Country == requester.Country {
		return false
	}
	return l.Controlled || screenAllCrossBorder
}

// GateHold decides the export-control hold of an introduction that would
// connect requester to listing l of owner: HoldScreening or "". r is the
// requesting organization's newest screening (nil: never screened) and
// current says whether it was made against the newest lists and after the
// organization last changed.
//
// A flagged organization is held on every controlled listing, whatever the
// two countries are now; otherwise an introduction that NeedsScreening is
// held unless the requester has a current, clear screening. This is the one
// rule behind every introduction the store opens or accepts.
func GateHold(l *Listing, owner, requester *Organization, r *ScreeningResult, current, screenAllCrossBorder bool) string {
	if requester == nil {
		return ""
	}
	if l.Controlled && r.Flagged() {
		return HoldScreening
	}
	if !NeedsScreening(l, owner, requester, screenAllCrossBorder) {
		return ""
	}
	if !current || !r.Clear() {
		return HoldScreening
	}
	return ""
}

// ScreenedFields are the organization fields that screening reads or that
// say what the organization is: a change of any of them re-screens it.
func ScreenedFields(old, updated *Organization) []string {
	var changed []string
	if old.Name != updated.Name {
		changed = append(changed, "name")
	}
	if old.LocalName != updated.LocalName {
		changed = append(changed, "local_name")
	}
	if !slices.Equal(old.Aliases, updated.Aliases) {
		changed = append(changed, "aliases")
	}
	if old.Kind != updated.Kind {
		changed = append(changed, "kind")
	}
	if old.Country != updated.Country {
		changed = append(changed, "country")
	}
	return changed
}

// CheckScreenedChange reports whether actor may make the changes of
// ScreenedFields (changed) to an organization whose newest screening is r
// (nil: never screened). Platform staff may make any. Others may not move a
// screened organization to another country, since a country decides whether
// an introduction needs screening; nor rename a flagged one, since a new
// name could screen clear and release its held interests. Either needs a
// coordinator, who sees the screening.
func CheckScreenedChange(actor *User, changed []string, r *ScreeningResult) error {
	if actor.IsStaff() || r == nil {
		return nil
	}
	var fields []FieldError
	for _, f := range changed {
		switch {
		case f == "country":
			fields = append(fields, FieldError{Field: f, Message: "this organization has been screened for export control: only a coordinator or admin changes its country"})
		case r.Flagged() && f != "kind":
			fields = append(fields, FieldError{Field: f, Message: "this organization's export-control screening awaits a coordinator: only a coordinator or admin changes its names"})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EFORBIDDEN, Message: "changing " + fields[0].Field + " of an organization screened for export control needs a coordinator or admin", Fields: fields}
}

// ListVersion is one load of a restricted-party list.
type ListVersion struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Format   string    `json:"format"`
	FileName string    `json:"file_name"`
	Entries  int       `json:"entries"`
	LoadedAt time.Time `json:"loaded_at"`
}

// ScreeningEntry is one restricted party of a loaded list, as the store
// keeps it and package screening matches names against it.
type ScreeningEntry struct {
	ID        string   `json:"id"`     // the list's own id (CSL: _id)
	Source    string   `json:"source"` // e.g. "Entity List (EL) - Bureau of Industry and Security"
	Type      string   `json:"type,omitempty"`
	Name      string   `json:"name"`
	Aliases   []string `json:"aliases,omitempty"`
	Country   string   `json:"country,omitempty"` // ISO 3166-1 alpha-2 if known (from addresses/nationalities), else ""
	Programs  []string `json:"programs,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
}
