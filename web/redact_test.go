package web_test

// Over HTTP: what a page shows or counts is computed only from what the
// visitor may see.

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
)

var system = kakehashi.SystemActor("test")

// TestIntroductionPageHidesTheOwnersPeople: before a confidential listing's
// owner accepts, the requester's page names nobody of the owner, its
// coordinator included when the coordinator belongs to the owner.
func TestIntroductionPageHidesTheOwnersPeople(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	owner, err := db.UserByEmail(ctx, hoshizoraEmail)
	if err != nil {
		t.Fatal(err)
	}
	tloUser, err := db.UserByEmail(ctx, tloEmail)
	if err != nil {
		t.Fatal(err)
	}
	l, err := db.Listing(ctx, hoshizoraNeeds(t, db, 1)[0])
	if err != nil {
		t.Fatal(err)
	}
	l.ID, l.ExternalID, l.Visibility = 0, "", kakehashi.VisibilityConfidential
	if err := db.CreateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	coord := &kakehashi.User{Email: "liaison@hoshizora-motors.example", Name: "Satsuki Liaison", OrgID: owner.OrgID,
		OrgRole: kakehashi.RoleMember, PlatformRole: kakehashi.PlatformCoordinator}
	if err := db.CreateUser(ctx, coord, system); err != nil {
		t.Fatal(err)
	}
	in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: tloUser.ID, RequesterOrgID: tloUser.OrgID, Message: "Interested."}
	if err := db.CreateIntroduction(ctx, in, tloUser); err != nil {
		t.Fatal(err)
	}
	if err := db.AssignCoordinator(ctx, in.ID, coord.ID, system); err != nil {
		t.Fatal(err)
	}
	if err := db.PostMessage(ctx, &kakehashi.Message{IntroductionID: in.ID, Body: "Thank you, we are looking."}, owner); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/introductions/%d", in.ID)

	resp, body := newSession(t, base, tloEmail).get(page)
	if resp.StatusCode != 200 || !strings.Contains(body, "Confidential: the organization is shown once it accepts.") {
		t.Fatalf("the requester's page: status %d: %.500s", resp.StatusCode, body)
	}
	for _, name := range []string{coord.Name, owner.Name} {
		if strings.Contains(body, name) {
			t.Errorf("the requester's page names %q of the hidden owner", name)
		}
	}
	if _, body := newSession(t, base, hoshizoraEmail).get(page); !strings.Contains(body, coord.Name) || !strings.Contains(body, owner.Name) {
		t.Errorf("the owner's page does not name its coordinator %q and its member %q", coord.Name, owner.Name)
	}
}
