package compliance_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// creationPaths are the store functions that open an introduction (the
// callers of insertIntroduction), each with a way to open one from the
// listed (flagged) organization on the owner's controlled listing.
// TestEveryInsertPassesTheGate fails when a function not in this table
// opens introductions, so a new path cannot go untested.
var creationPaths = []struct {
	fn   string
	open func(t *testing.T, f *fixture) *kakehashi.Introduction
}{
	{"CreateIntroduction", func(t *testing.T, f *fixture) *kakehashi.Introduction {
		// Straight to the store, not through the Service.
		in := &kakehashi.Introduction{ListingID: f.controlled.ID, RequesterID: f.listedUser.ID, RequesterOrgID: f.listed.ID, Message: "Interested."}
		if err := f.db.CreateIntroduction(context.Background(), in, f.listedUser); err != nil {
			t.Fatal(err)
		}
		return in
	}},
	{"IntroduceMeeting", func(t *testing.T, f *fixture) *kakehashi.Introduction {
		ctx := context.Background()
		sys := kakehashi.SystemActor("test")
		ev := &kakehashi.Event{OrgID: f.owner.ID, Name: "Osaka brokerage", Status: kakehashi.EventOpen, Venue: "Osaka", TimeZone: "Asia/Tokyo",
			StartDate: "2027-02-03", EndDate: "2027-02-03", DayStart: "09:00", DayEnd: "10:00", MeetingMinutes: 30, Tables: 2}
		if err := f.db.CreateEvent(ctx, ev, sys); err != nil {
			t.Fatal(err)
		}
		from, to := &kakehashi.Participant{EventID: ev.ID}, &kakehashi.Participant{EventID: ev.ID, ListingIDs: []int64{f.controlled.ID}}
		if err := f.db.Register(ctx, from, f.listedUser); err != nil {
			t.Fatal(err)
		}
		if err := f.db.Register(ctx, to, f.ownerUser); err != nil {
			t.Fatal(err)
		}
		req := &kakehashi.MeetingRequest{FromID: from.ID, ToID: to.ID, Reason: "Optics"}
		if err := f.db.CreateMeetingRequest(ctx, req, f.listedUser); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.DecideMeetingRequest(ctx, req.ID, true, f.ownerUser); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SaveSchedule(ctx, ev.ID, []*kakehashi.Meeting{{RequestID: req.ID}}, sys); err != nil {
			t.Fatal(err)
		}
		ms, err := f.db.Meetings(ctx, ev.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("meetings %v %v", ms, err)
		}
		if _, err := f.db.MarkMeeting(ctx, ms[0].ID, kakehashi.MeetingHeld, sys); err != nil {
			t.Fatal(err)
		}
		in := &kakehashi.Introduction{Message: "We met at the fair."}
		if err := f.db.IntroduceMeeting(ctx, ms[0].ID, in, f.listedUser); err != nil {
			t.Fatal(err)
		}
		return in
	}},
	{"adoptionIntroduction", func(t *testing.T, f *fixture) *kakehashi.Introduction {
		ctx := context.Background()
		sys := kakehashi.SystemActor("test")
		c := storetest.Call(f.owner.ID, time.Date(2099, 3, 31, 8, 0, 0, 0, time.UTC))
		c.EligibleKinds, c.EligibleCountries = nil, nil
		if err := f.db.CreateCall(ctx, c, sys); err != nil {
			t.Fatal(err)
		}
		l, err := f.db.Listing(ctx, c.ListingID)
		if err != nil {
			t.Fatal(err)
		}
		l.Controlled = true
		if err := f.db.UpdateListing(ctx, l, sys); err != nil {
			t.Fatal(err)
		}
		p := storetest.Proposal(c.ID)
		if err := f.db.CreateProposal(ctx, p, f.listedUser); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.SubmitProposal(ctx, p.ID, f.listedUser); err != nil {
			t.Fatal(err)
		}
		for _, to := range []kakehashi.ProposalStatus{kakehashi.ProposalScreening, kakehashi.ProposalReview, kakehashi.ProposalFinalist} {
			if _, err := f.db.MoveProposal(ctx, p.ID, kakehashi.ProposalMove{To: to}, sys); err != nil {
				t.Fatal(err)
			}
		}
		adopted, err := f.db.MoveProposal(ctx, p.ID, kakehashi.ProposalMove{To: kakehashi.ProposalAdopted, Feedback: "Strong."}, f.ownerUser)
		if err != nil || adopted.Status != kakehashi.ProposalAdopted || adopted.IntroductionID == 0 {
			t.Fatalf("adoption: %+v %v", adopted, err)
		}
		in, err := f.db.Introduction(ctx, adopted.IntroductionID)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}},
}

// TestEveryCreationPathHoldsAFlaggedOrganization opens an introduction from
// the flagged organization on a controlled listing by every path in
// creationPaths: each is held at the interest stage, the owner cannot
// accept it, and a coordinator's clearance releases it.
func TestEveryCreationPathHoldsAFlaggedOrganization(t *testing.T) {
	for _, p := range creationPaths {
		t.Run(p.fn, func(t *testing.T) {
			f := setup(t)
			ctx := context.Background()
			in := p.open(t, f)
			stored, err := f.db.Introduction(ctx, in.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Hold != kakehashi.HoldScreening || stored.Stage != kakehashi.StageInterest || in.Hold != stored.Hold {
				t.Fatalf("introduction at %s with hold %q (returned %q): want held for screening at interest", stored.Stage, stored.Hold, in.Hold)
			}
			if _, err := f.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, f.ownerUser); kakehashi.ErrorCode(err) != kakehashi.ECONFLICT {
				t.Fatalf("accepting a held introduction: %v", err)
			}
			if _, err := f.db.DecideScreening(ctx, f.listed.ID, kakehashi.DecisionCleared, "A different company.", f.coordinator); err != nil {
				t.Fatal(err)
			}
			if _, err := f.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, f.ownerUser); err != nil {
				t.Fatalf("accepting after clearance: %v", err)
			}
		})
	}
}

// TestAcceptanceAsksTheGateAgain: an interest that was never held (opened
// before its organization was flagged, or before this gate existed) is held
// when the owner tries to accept it.
func TestAcceptanceAsksTheGateAgain(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var id int64
	if err := f.db.SQL().QueryRowContext(ctx, `INSERT INTO introductions (listing_id, owner_org_id, requester_id, requester_org_id, message, stage,
		stage_changed_at, created_at, updated_at, hold) VALUES ($1, $2, $3, $4, 'Old.', 'interest', $5, $5, $5, '') RETURNING id`,
		f.controlled.ID, f.owner.ID, f.listedUser.ID, f.listed.ID, time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	_, err := f.db.Transition(ctx, id, kakehashi.Transition{To: kakehashi.StageIntroduced}, f.ownerUser)
	if kakehashi.ErrorCode(err) != kakehashi.ECONFLICT || !strings.Contains(kakehashi.ErrorMessage(err), "export-control") {
		t.Fatalf("accepting an interest of a flagged organization: %v", err)
	}
	if in, _ := f.db.Introduction(ctx, id); in.Stage != kakehashi.StageInterest || in.Hold != kakehashi.HoldScreening {
		t.Fatalf("after the refused acceptance: %+v", in)
	}
}

// TestFlaggingHoldsOpenInterests: when a new list version flags an
// organization, its open interests in controlled listings are held.
func TestFlaggingHoldsOpenInterests(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	open := f.interest(t, f.controlled, f.unlistedUser)
	plain := f.interest(t, f.plain, f.unlistedUser)
	if open.Hold != "" || plain.Hold != "" {
		t.Fatalf("a clear party was held: %+v %+v", open, plain)
	}
	entries := mustParse(t, list+"EUL-3,Cambridge Solid Ionics Limited,,GB,JP End User List,chemical\n")
	if _, err := f.svc.Load(ctx, "jp-eul", "csv", "eul-2.csv", entries, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	if in, _ := f.db.Introduction(ctx, open.ID); in.Hold != kakehashi.HoldScreening {
		t.Fatalf("an open interest of a newly flagged organization is not held: %+v", in)
	}
	if in, _ := f.db.Introduction(ctx, plain.ID); in.Hold != "" {
		t.Fatalf("an interest in a plain listing was held: %+v", in)
	}
}

// insertIntoIntroductions matches SQL that creates introductions.
var insertIntoIntroductions = regexp.MustCompile(`(?is)\binsert\s+into\s+introductions\b|\bcopy\s+introductions\b`)

// TestEveryInsertPassesTheGate reads the module's Go source: exactly one
// function writes new rows into introductions — sqlstore's
// insertIntroduction, which asks the gate first — and the functions that
// call it are exactly those of creationPaths.
func TestEveryInsertPassesTheGate(t *testing.T) {
	fset := token.NewFileSet()
	var inserters []string
	callers := map[string]bool{}
	gated := false
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		pkg := file.Name.Name
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			name := pkg + "." + fn.Name.Name
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if n.Kind == token.STRING {
						if text, err := strconv.Unquote(n.Value); err == nil && insertIntoIntroductions.MatchString(text) {
							inserters = append(inserters, name+" ("+fset.Position(n.Pos()).String()+")")
						}
					}
				case *ast.SelectorExpr:
					switch {
					case n.Sel.Name == "insertIntroduction" && name != "sqlstore.insertIntroduction":
						callers[name] = true
					case n.Sel.Name == "gate" && name == "sqlstore.insertIntroduction":
						gated = true
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inserters) != 1 || !strings.HasPrefix(inserters[0], "sqlstore.insertIntroduction ") {
		t.Fatalf("functions that insert into introductions: %v; want only sqlstore.insertIntroduction, which applies the export-control gate", inserters)
	}
	if !gated {
		t.Fatal("sqlstore.insertIntroduction does not call the gate")
	}
	var want, got []string
	for _, p := range creationPaths {
		want = append(want, "sqlstore."+p.fn)
	}
	for c := range callers {
		got = append(got, c)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("callers of insertIntroduction %v, creationPaths %v: add a row for every new path that opens introductions", got, want)
	}
}

func mustParse(t *testing.T, csv string) []kakehashi.ScreeningEntry {
	t.Helper()
	entries, err := screening.ParseCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
