package kakehashi

import (
	"encoding/json"
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

// ListVersion is one load of a restricted-party list.
type ListVersion struct {
	ID       int64     `json:"id"`
	Name     string    `json:"name"`
	Format   string    `json:"format"`
	FileName string    `json:"file_name"`
	Entries  int       `json:"entries"`
	LoadedAt time.Time `json:"loaded_at"`
}
