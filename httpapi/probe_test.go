package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
)

// These tests close three ways an outsider could learn what the pages'
// authorization matrix found hidden, through the API: each answer for a
// hidden thing must be the answer for a thing that does not exist.

// TestFairViewOfAHiddenListing: counting a view of a fair listing the
// visitor may not see answers as for a listing not exhibited, and counts
// nothing.
func TestFairViewOfAHiddenListing(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	ev := e.event(e.own.ID, kakehashi.EventOpen, true)
	hidden := e.listing(e.own.ID, kakehashi.VisibilityMembers, kakehashi.StatusOpen)
	shown := e.listing(e.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	e.join(ev, e.target, hidden.ID, shown.ID)
	notExhibited := e.do("POST", fmt.Sprintf("/events/%d/views", ev.ID), map[string]any{"listing_id": 999999}).wantProblem(t, 422, "body.listing_id")
	got := e.do("POST", fmt.Sprintf("/events/%d/views", ev.ID), map[string]any{"listing_id": hidden.ID}).wantProblem(t, 422, "body.listing_id")
	if got.Detail != notExhibited.Detail {
		t.Errorf("a hidden listing answers %q, one not exhibited %q", got.Detail, notExhibited.Detail)
	}
	if n := e.count(`SELECT COUNT(*) FROM fair_views WHERE listing_id = $1`, hidden.ID); n != 0 {
		t.Errorf("%d views of a members-only listing counted for an anonymous visitor", n)
	}
	// A signed-in member may see it, and their view counts.
	if m := e.do("POST", fmt.Sprintf("/events/%d/views", ev.ID), map[string]any{"listing_id": hidden.ID}, e.as(otherMember)).want(t, 200).obj(t); m["counted"] != true {
		t.Errorf("a member's view of a members-only listing: %v", m)
	}
}

// TestAssignCoordinatorHidesIntroductions: a signed-in user who is not a
// party learns nothing about an introduction from the coordinator route.
func TestAssignCoordinatorHidesIntroductions(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	in := e.intro(kakehashi.VisibilityPublic)
	body := map[string]any{"coordinator_id": e.actors[coordinator].user.ID}
	e.do("PUT", fmt.Sprintf("/introductions/%d/coordinator", in.ID), body, e.as(otherMember)).wantProblem(t, 404)
	e.do("PUT", "/introductions/999999/coordinator", body, e.as(otherMember)).wantProblem(t, 404)
	// A party who may see it is told why it may not.
	e.do("PUT", fmt.Sprintf("/introductions/%d/coordinator", in.ID), body, e.as(ownerMember)).wantProblem(t, 403)
}

// TestShareListingHidesTheOwner: a lead's admin who may not know a
// confidential listing's owner gets the same answer as for a listing that
// does not exist, not whether the owner is a member.
func TestShareListingHidesTheOwner(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	c := e.consortium(kakehashi.VisibilityPublic)
	secret := e.listing(e.other.ID, kakehashi.VisibilityConfidential, kakehashi.StatusOpen)
	path := fmt.Sprintf("/consortia/%d/listings", c.ID)
	none := e.do("POST", path, map[string]any{"listing_id": 999999}, e.as(ownerAdmin)).wantProblem(t, 422, "body.listing_id")
	got := e.do("POST", path, map[string]any{"listing_id": secret.ID}, e.as(ownerAdmin)).wantProblem(t, 422, "body.listing_id")
	norm := func(p problem) string {
		var msgs []string
		for _, d := range p.Errors {
			msgs = append(msgs, d.Message)
		}
		return strings.NewReplacer(fmt.Sprint(secret.ID), "N", "999999", "N").Replace(p.Detail + " " + strings.Join(msgs, "; "))
	}
	if norm(got) != norm(none) {
		t.Errorf("a confidential listing of a non-member answers %q, a missing one %q", norm(got), norm(none))
	}
	if strings.Contains(string(norm(got)), "member") {
		t.Errorf("the answer tells about membership: %q", norm(got))
	}
}
