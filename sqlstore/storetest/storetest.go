// Package storetest is the conformance suite every sqlstore backend passes
// unchanged: SQLite and PostgreSQL must behave the same, or search, the API
// and the importer would behave differently depending on the deployment.
package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/testclock"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// NewDSN returns the data source name of a new, empty database.
type NewDSN func(t *testing.T) string

// Run runs the whole suite; each subtest gets a fresh database.
func Run(t *testing.T, newDSN NewDSN) {
	tests := []struct {
		name string
		fn   func(*testing.T, NewDSN)
	}{
		{"MigrateConcurrently", testMigrateConcurrently},
		{"OrganizationRoundTrip", testOrganizationRoundTrip},
		{"OrganizationValidation", testOrganizationValidation},
		{"ListingRoundTrip", testListingRoundTrip},
		{"ListingFiltersAndPages", testListingFiltersAndPages},
		{"ListingVisibility", testListingVisibility},
		{"ChangeFeed", testChangeFeed},
		{"ChangeFeedConcurrentWriters", testChangeFeedConcurrentWriters},
		{"UpsertIsIdempotent", testUpsertIsIdempotent},
		{"ExternalIDsPerOrganization", testExternalIDsPerOrganization},
		{"BatchIsAtomic", testBatchIsAtomic},
		{"Users", testUsers},
		{"SessionsAndTokens", testSessionsAndTokens},
		{"AuditEveryWrite", testAuditEveryWrite},
		{"Meta", testMeta},
	}
	tests = append(tests, researcherTests...)
	tests = append(tests, authTests...)
	for _, tc := range append(append(append(append(append(append(tests, pipelineTests...), notifyTests...), callTests...), eventTests...), kpiTests...), consortiumTests...) {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newDSN) })
	}
}

// Open opens and migrates a store on a fresh database.
func Open(t *testing.T, newDSN NewDSN) *sqlstore.DB {
	t.Helper()
	return openDSN(t, newDSN(t))
}

func openDSN(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { db.Close() })
	// The wall clock, moved as CI asks (testclock): a test that fixes
	// "now" replaces db.Now and hands the same clock to every other layer.
	db.Now = testclock.Now
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// Org returns a valid organization for tests.
func Org(ext, country string) *kakehashi.Organization {
	return &kakehashi.Organization{
		Name: "Org " + ext, LocalName: "組織 " + ext, Aliases: []string{"O-" + ext}, Kind: kakehashi.OrgUniversity,
		Country: country, Sectors: []string{"materials"}, Website: "https://" + ext + ".example",
		Description: "A test organization.", ExternalID: "test:org:" + ext,
	}
}

// Listing returns a valid open public seed of organization orgID, with a
// deadline four months after the test clock's now (never a calendar date,
// which would close the listing once that day passes).
func Listing(orgID int64, ext string) *kakehashi.Listing {
	// A whole day, so that two fixtures made a moment apart are equal.
	y, m, day := testclock.Now().UTC().AddDate(0, 4, 0).Date()
	d := time.Date(y, m, day, 14, 59, 59, 0, time.UTC)
	return &kakehashi.Listing{
		Side: kakehashi.SideSeed, Kind: kakehashi.KindPatent, OrgID: orgID,
		Title: "Sulfide solid electrolyte " + ext, Summary: "全固体電池向けの硫化物系固体電解質。", Body: "Ionic conductivity 12 mS/cm at 25 °C.",
		Language: "ja", Keywords: []string{"全固体電池", "固体電解質"}, Fields: []string{"2.5", "1.4"}, Sectors: []string{"energy", "automotive"},
		TRL: 4, IP: kakehashi.IP{Patents: []string{"JP7123456B2"}, Status: kakehashi.IPGranted, Jurisdictions: []string{"JP", "US"}},
		PartnershipTypes: []kakehashi.PartnershipType{kakehashi.PartnerLicense, kakehashi.PartnerJointResearch},
		TargetCountries:  []string{"US", "GB"}, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen,
		Deadline: &d, ExternalID: "test:listing:" + ext,
	}
}

func admin() *kakehashi.User {
	return &kakehashi.User{ID: 0, Email: "system:test", PlatformRole: kakehashi.PlatformAdmin}
}

func mustOrg(t *testing.T, db *sqlstore.DB, ext, country string) *kakehashi.Organization {
	t.Helper()
	o := Org(ext, country)
	if err := db.CreateOrganization(context.Background(), o, admin()); err != nil {
		t.Fatalf("create organization: %v", err)
	}
	return o
}

func mustListing(t *testing.T, db *sqlstore.DB, l *kakehashi.Listing) *kakehashi.Listing {
	t.Helper()
	if err := db.CreateListing(context.Background(), l, admin()); err != nil {
		t.Fatalf("create listing: %v", err)
	}
	return l
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := kakehashi.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testMigrateConcurrently(t *testing.T, newDSN NewDSN) {
	dsn := newDSN(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("migrator %d: %v", i, err)
		}
	}
	db := openDSN(t, dsn)
	v, err := db.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("schema version = %d, %v; want ≥ 1", v, err)
	}
	var n int
	want, verr := sqlstore.MigrationVersions()
	if verr != nil || len(want) == 0 || want[len(want)-1] != v {
		t.Fatalf("embedded migrations %v (%v); schema version %d", want, verr, v)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(want) {
		t.Fatalf("schema_migrations has %d rows (%v), want %d: a migration ran twice or was skipped", n, err, len(want))
	}
}

func testOrganizationRoundTrip(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	o := mustOrg(t, db, "a", "JP")
	if o.ID == 0 || o.CreatedAt.IsZero() {
		t.Fatalf("create did not set id and time: %+v", o)
	}
	got, err := db.Organization(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, o) {
		t.Fatalf("read back differs:\n got %+v\nwant %+v", got, o)
	}
	o.Region, o.Kind = "JP-13", kakehashi.OrgTLO
	if err := db.UpdateOrganization(ctx, o, admin()); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Organization(ctx, o.ID)
	if got.Region != "JP-13" || got.Kind != kakehashi.OrgTLO {
		t.Fatalf("update not stored: %+v", got)
	}
	byExt, err := db.OrganizationByExternalID(ctx, o.ExternalID)
	if err != nil || byExt.ID != o.ID {
		t.Fatalf("by external id: %v %v", byExt, err)
	}
	_, err = db.Organization(ctx, o.ID+1000)
	wantCode(t, err, kakehashi.ENOTFOUND)
	missing := Org("missing", "US")
	missing.ID = o.ID + 1000
	wantCode(t, db.UpdateOrganization(ctx, missing, admin()), kakehashi.ENOTFOUND)
	dup := Org("a", "US")
	wantCode(t, db.CreateOrganization(ctx, dup, admin()), kakehashi.ECONFLICT)

	for i, c := range []string{"US", "GB", "US"} {
		mustOrg(t, db, fmt.Sprint("c", i), c)
	}
	us, err := db.Organizations(ctx, kakehashi.OrganizationFilter{Country: "US"})
	if err != nil || len(us) != 2 {
		t.Fatalf("filter by country: %d organizations, %v; want 2", len(us), err)
	}
	page1, _ := db.Organizations(ctx, kakehashi.OrganizationFilter{Limit: 2})
	page2, _ := db.Organizations(ctx, kakehashi.OrganizationFilter{Limit: 2, After: page1[1].ID})
	if len(page1) != 2 || len(page2) != 2 || page2[0].ID <= page1[1].ID {
		t.Fatalf("pagination: %d then %d", len(page1), len(page2))
	}
}

func testOrganizationValidation(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	o := Org("bad", "UK")
	o.Kind = "charity"
	o.Region = "JP-13"
	err := db.CreateOrganization(context.Background(), o, admin())
	wantCode(t, err, kakehashi.EINVALID)
	fields := map[string]bool{}
	for _, f := range kakehashi.FieldErrors(err) {
		fields[f.Field] = true
	}
	for _, f := range []string{"country", "kind", "region"} {
		if !fields[f] {
			t.Errorf("no field error for %s in %v", f, err)
		}
	}
	if n, _ := db.CountOrganizations(context.Background()); n != 0 {
		t.Fatalf("an invalid organization was stored")
	}
}

func testListingRoundTrip(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	o := mustOrg(t, db, "a", "JP")
	l := mustListing(t, db, Listing(o.ID, "1"))
	got, err := db.Listing(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Fatalf("read back differs:\n got %+v\nwant %+v", got, l)
	}
	l.Title, l.TRL, l.Deadline, l.Controlled = "Updated title", 6, nil, true
	if err := db.UpdateListing(ctx, l, admin()); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Listing(ctx, l.ID)
	if !reflect.DeepEqual(got, l) {
		t.Fatalf("update read back differs:\n got %+v\nwant %+v", got, l)
	}
	bad := Listing(o.ID, "2")
	bad.TRL, bad.Kind, bad.TargetCountries = 10, kakehashi.KindChallenge, []string{"XX"}
	err = db.CreateListing(ctx, bad, admin())
	wantCode(t, err, kakehashi.EINVALID)
	if len(kakehashi.FieldErrors(err)) < 3 {
		t.Fatalf("want field errors for trl, kind and target_countries, got %v", err)
	}
	orphan := Listing(o.ID+99, "3")
	wantCode(t, db.CreateListing(ctx, orphan, admin()), kakehashi.EINVALID)
	_, err = db.Listing(ctx, l.ID+99)
	wantCode(t, err, kakehashi.ENOTFOUND)
}

func testListingFiltersAndPages(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	jp := mustOrg(t, db, "jp", "JP")
	us := mustOrg(t, db, "us", "US")
	for i := range 10 {
		l := Listing(jp.ID, fmt.Sprint("jp", i))
		if i%2 == 1 {
			l.OrgID, l.Language, l.Side, l.Kind = us.ID, "en", kakehashi.SideNeed, kakehashi.KindChallenge
			l.IP = kakehashi.IP{Status: kakehashi.IPNone}
		}
		mustListing(t, db, l)
	}
	count := func(f kakehashi.ListingFilter) int {
		ls, err := db.Listings(ctx, f, nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(ls)
	}
	for _, c := range []struct {
		f    kakehashi.ListingFilter
		want int
	}{
		{kakehashi.ListingFilter{}, 10},
		{kakehashi.ListingFilter{Side: kakehashi.SideNeed}, 5},
		{kakehashi.ListingFilter{Kind: kakehashi.KindPatent}, 5},
		{kakehashi.ListingFilter{Country: "US"}, 5},
		{kakehashi.ListingFilter{Language: "ja"}, 5},
		{kakehashi.ListingFilter{Status: kakehashi.StatusClosed}, 0},
		{kakehashi.ListingFilter{OrgID: jp.ID, Side: kakehashi.SideSeed}, 5},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("filter %+v: %d listings, want %d", c.f, got, c.want)
		}
	}
	var seen []int64
	after := int64(0)
	for {
		page, err := db.Listings(ctx, kakehashi.ListingFilter{After: after, Limit: 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, l := range page {
			seen = append(seen, l.ID)
		}
		after = page[len(page)-1].ID
	}
	if len(seen) != 10 || !slices.IsSorted(seen) {
		t.Fatalf("paging saw %v", seen)
	}
}

// testListingVisibility checks that the store's SQL visibility filter agrees
// with kakehashi.CanSeeListing for every viewer and listing state.
func testListingVisibility(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	own := mustOrg(t, db, "own", "JP")
	other := mustOrg(t, db, "other", "US")
	var all []*kakehashi.Listing
	for _, v := range kakehashi.Visibilities {
		for _, s := range kakehashi.Statuses {
			l := Listing(own.ID, string(v)+"-"+string(s))
			l.Visibility, l.Status = v, s
			all = append(all, mustListing(t, db, l))
		}
	}
	viewers := map[string]*kakehashi.User{
		"anonymous":   nil,
		"no-org":      {ID: 1001},
		"other":       {ID: 1002, OrgID: other.ID, OrgRole: kakehashi.RoleMember},
		"owner":       {ID: 1003, OrgID: own.ID, OrgRole: kakehashi.RoleMember},
		"coordinator": {ID: 1004, PlatformRole: kakehashi.PlatformCoordinator},
		"admin":       {ID: 1005, PlatformRole: kakehashi.PlatformAdmin},
	}
	for name, v := range viewers {
		got, err := db.Listings(ctx, kakehashi.ListingFilter{Limit: 1000}, v)
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for _, l := range all {
			if kakehashi.CanSeeListing(v, l) {
				want = append(want, l.ID)
			}
		}
		var ids []int64
		for _, l := range got {
			ids = append(ids, l.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s sees %v, want %v", name, ids, want)
		}
		// Filtering by the owner's country must not reveal who owns a
		// confidential listing.
		byCountry, err := db.Listings(ctx, kakehashi.ListingFilter{Country: "JP", Limit: 1000}, v)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range byCountry {
			if !kakehashi.SeesFullListing(v, l) {
				t.Errorf("%s found confidential listing %d by owner country", name, l.ID)
			}
		}
	}
}

func testChangeFeed(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	o := mustOrg(t, db, "a", "JP")
	a := mustListing(t, db, Listing(o.ID, "a"))
	b := mustListing(t, db, Listing(o.ID, "b"))
	a.Title = "changed"
	if err := db.UpdateListing(ctx, a, admin()); err != nil {
		t.Fatal(err)
	}
	// The same content again is not a change.
	if err := db.UpdateListing(ctx, a, admin()); err != nil {
		t.Fatal(err)
	}
	ch, err := db.ListingChanges(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, c := range ch {
		ids = append(ids, c.ListingID)
		if i > 0 && c.Seq <= ch[i-1].Seq {
			t.Fatalf("sequence not increasing: %v", ch)
		}
	}
	if !slices.Equal(ids, []int64{a.ID, b.ID, a.ID}) {
		t.Fatalf("change feed lists %v, want [%d %d %d]", ids, a.ID, b.ID, a.ID)
	}
	rest, _ := db.ListingChanges(ctx, ch[1].Seq, 100)
	if len(rest) != 1 || rest[0].Seq != ch[2].Seq {
		t.Fatalf("changes after %d: %v", ch[1].Seq, rest)
	}
	// An organization's listings are re-announced when it changes, since
	// indexes store its country with them.
	o.Country = "GB"
	if err := db.UpdateOrganization(ctx, o, admin()); err != nil {
		t.Fatal(err)
	}
	rest, _ = db.ListingChanges(ctx, ch[2].Seq, 100)
	if len(rest) != 2 || rest[0].ListingID != a.ID || rest[1].ListingID != b.ID {
		t.Fatalf("changes after an organization update: %v, want listings %d and %d", rest, a.ID, b.ID)
	}
}

// testChangeFeedConcurrentWriters writes from several goroutines while a
// follower reads the feed, and checks the follower never skips a change: a
// sequence number it has passed must never appear later.
func testChangeFeedConcurrentWriters(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	o := mustOrg(t, db, "a", "JP")
	const writers, each = 4, 15
	done := make(chan struct{})
	var followed []int64
	var followErr error
	go func() {
		defer close(done)
		after := int64(0)
		for len(followed) < writers*each {
			ch, err := db.ListingChanges(ctx, after, 1000)
			if err != nil {
				followErr = err
				return
			}
			for _, c := range ch {
				followed = append(followed, c.Seq)
				after = c.Seq
			}
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := db.CreateListing(ctx, Listing(o.ID, fmt.Sprint(w, "-", i)), admin()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("follower saw %d of %d changes", len(followed), writers*each)
	}
	if followErr != nil {
		t.Fatal(followErr)
	}
	all, _ := db.ListingChanges(ctx, 0, 1000)
	var seqs []int64
	for _, c := range all {
		seqs = append(seqs, c.Seq)
	}
	if !slices.Equal(followed, seqs) {
		t.Fatalf("follower saw %d changes, the feed holds %d: a change committed behind the follower", len(followed), len(seqs))
	}
}

func testUpsertIsIdempotent(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	upsert := func(o *kakehashi.Organization, l *kakehashi.Listing) (kakehashi.UpsertResult, kakehashi.UpsertResult) {
		var ro, rl kakehashi.UpsertResult
		err := db.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			if ro, err = db.UpsertOrganization(ctx, tx, o, admin()); err != nil {
				return err
			}
			l.OrgID = o.ID
			rl, err = db.UpsertListing(ctx, tx, l, admin())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ro, rl
	}
	ro, rl := upsert(Org("a", "JP"), Listing(0, "1"))
	if ro != kakehashi.Created || rl != kakehashi.Created {
		t.Fatalf("first upsert: %v %v", ro, rl)
	}
	seq := lastSeq(t, db)
	audits, _ := db.AuditEvents(ctx, kakehashi.AuditFilter{Limit: 1000})
	ro, rl = upsert(Org("a", "JP"), Listing(0, "1"))
	if ro != kakehashi.Unchanged || rl != kakehashi.Unchanged {
		t.Fatalf("same content again: %v %v, want unchanged", ro, rl)
	}
	if lastSeq(t, db) != seq {
		t.Fatal("an unchanged upsert wrote to the change feed")
	}
	if again, _ := db.AuditEvents(ctx, kakehashi.AuditFilter{Limit: 1000}); len(again) != len(audits) {
		t.Fatal("an unchanged upsert wrote an audit event")
	}
	l := Listing(0, "1")
	l.TRL = 7
	if _, rl = upsert(Org("a", "JP"), l); rl != kakehashi.Updated {
		t.Fatalf("changed content: %v, want updated", rl)
	}
	ls, _ := db.Listings(ctx, kakehashi.ListingFilter{}, admin())
	if len(ls) != 1 || ls[0].TRL != 7 {
		t.Fatalf("after upserts: %d listings, want 1 with TRL 7", len(ls))
	}
}

// testExternalIDsPerOrganization: a listing's external id is unique within
// its organization only. Another organization may use it (a conflict would
// tell that a listing it may not see exists); an import keyed on it stays
// idempotent per organization; a clash inside one organization is a
// conflict on the field external_id, in words, without the database's text,
// and writes nothing.
func testExternalIDsPerOrganization(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	a, b := mustOrg(t, db, "a", "JP"), mustOrg(t, db, "b", "US")
	hidden := Listing(a.ID, "shared")
	hidden.Visibility, hidden.Status = kakehashi.VisibilityConfidential, kakehashi.StatusDraft
	if err := db.CreateListing(ctx, hidden, admin()); err != nil {
		t.Fatal(err)
	}
	theirs := Listing(b.ID, "shared")
	if err := db.CreateListing(ctx, theirs, admin()); err != nil {
		t.Fatalf("another organization's listing with the same external id: %v", err)
	}

	twin := Listing(a.ID, "shared")
	twin.Title = "A twin"
	err := db.CreateListing(ctx, twin, admin())
	fields := kakehashi.FieldErrors(err)
	if kakehashi.ErrorCode(err) != kakehashi.ECONFLICT || len(fields) != 1 || fields[0].Field != "external_id" {
		t.Fatalf("a second listing of one organization with one external id: %v; want a conflict on external_id", err)
	}
	for _, s := range []string{"UNIQUE", "constraint", "listings", "duplicate", "_key"} {
		if msg := kakehashi.ErrorMessage(err) + " " + fields[0].Message; strings.Contains(msg, s) {
			t.Errorf("the conflict's words %q carry the database's text %q", msg, s)
		}
	}
	if ls, _ := db.Listings(ctx, kakehashi.ListingFilter{OrgID: a.ID}, admin()); len(ls) != 1 {
		t.Fatalf("organization a has %d listings after the refused write, want 1", len(ls))
	}

	// Imports key on (organization, external id).
	upsert := func(l *kakehashi.Listing) kakehashi.UpsertResult {
		t.Helper()
		var r kakehashi.UpsertResult
		if err := db.InTx(ctx, func(tx *sql.Tx) error {
			var err error
			r, err = db.UpsertListing(ctx, tx, l, admin())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	changed := Listing(b.ID, "shared")
	changed.TRL = 8
	if r := upsert(changed); r != kakehashi.Updated || changed.ID != theirs.ID {
		t.Fatalf("upsert of b's listing: %v on listing %d, want updated on %d", r, changed.ID, theirs.ID)
	}
	if r := upsert(Listing(b.ID, "shared")); r != kakehashi.Updated {
		t.Fatalf("upsert back: %v", r)
	}
	if r := upsert(Listing(b.ID, "shared")); r != kakehashi.Unchanged {
		t.Fatalf("the same row again: %v, want unchanged", r)
	}
	stored, err := db.Listing(ctx, hidden.ID)
	if err != nil || stored.TRL != hidden.TRL || stored.OrgID != a.ID {
		t.Fatalf("upserts of b's listing touched a's: %+v, %v", stored, err)
	}
	c := mustOrg(t, db, "c", "GB")
	if r := upsert(Listing(c.ID, "shared")); r != kakehashi.Created {
		t.Fatalf("a third organization's row with the same external id: %v, want created", r)
	}
}

func lastSeq(t *testing.T, db *sqlstore.DB) int64 {
	ch, err := db.ListingChanges(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) == 0 {
		return 0
	}
	return ch[len(ch)-1].Seq
}

func testBatchIsAtomic(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		o := Org("a", "JP")
		if _, err := db.UpsertOrganization(ctx, tx, o, admin()); err != nil {
			return err
		}
		if _, err := db.UpsertListing(ctx, tx, Listing(o.ID, "1"), admin()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v", err)
	}
	if n, _ := db.CountOrganizations(ctx); n != 0 {
		t.Fatal("a rolled-back batch left an organization")
	}
	if lastSeq(t, db) != 0 {
		t.Fatal("a rolled-back batch left a change-feed entry")
	}
	if ev, _ := db.AuditEvents(ctx, kakehashi.AuditFilter{}); len(ev) != 0 {
		t.Fatal("a rolled-back batch left audit events")
	}
}

func testUsers(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	o := mustOrg(t, db, "a", "JP")
	u := &kakehashi.User{Email: " Alice@Example.JP ", Name: "Alice", OrgID: o.ID, OrgRole: kakehashi.RoleOrgAdmin, PasswordHash: "h1"}
	if err := db.CreateUser(ctx, u, admin()); err != nil {
		t.Fatal(err)
	}
	got, err := db.UserByEmail(ctx, "ALICE@example.jp")
	if err != nil || got.ID != u.ID || got.PasswordHash != "h1" || got.Email != "alice@example.jp" {
		t.Fatalf("by e-mail: %+v %v", got, err)
	}
	err = db.CreateUser(ctx, &kakehashi.User{Email: "alice@example.jp", Name: "Again"}, admin())
	wantCode(t, err, kakehashi.ECONFLICT)
	err = db.CreateUser(ctx, &kakehashi.User{Email: "bob@example.jp", Name: "Bob", OrgID: o.ID + 50, OrgRole: kakehashi.RoleMember}, admin())
	wantCode(t, err, kakehashi.EINVALID)
	err = db.CreateUser(ctx, &kakehashi.User{Email: "not-an-address", Name: "", PlatformRole: "root"}, admin())
	wantCode(t, err, kakehashi.EINVALID)
	if n := len(kakehashi.FieldErrors(err)); n != 3 {
		t.Fatalf("want 3 field errors (email, name, platform_role), got %v", err)
	}
	u.PlatformRole = kakehashi.PlatformCoordinator
	if err := db.UpdateUser(ctx, u, admin()); err != nil {
		t.Fatal(err)
	}
	got, _ = db.User(ctx, u.ID)
	if got.PlatformRole != kakehashi.PlatformCoordinator {
		t.Fatalf("update not stored: %+v", got)
	}
	list, _ := db.Users(ctx, kakehashi.UserFilter{OrgID: o.ID})
	if len(list) != 1 {
		t.Fatalf("users of org: %d", len(list))
	}
}

func testSessionsAndTokens(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	u := &kakehashi.User{Email: "s@example.com", Name: "S", PasswordHash: "h"}
	if err := db.CreateUser(ctx, u, admin()); err != nil {
		t.Fatal(err)
	}
	now := db.Now().UTC()
	tok := []byte("0123456789abcdef0123456789abcdef")
	if err := db.CreateSession(ctx, tok, kakehashi.Session{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.SessionUser(ctx, tok, now); err != nil || got.ID != u.ID {
		t.Fatalf("session user: %v %v", got, err)
	}
	_, err := db.SessionUser(ctx, tok, now.Add(2*time.Hour))
	wantCode(t, err, kakehashi.EUNAUTHORIZED)
	_, err = db.SessionUser(ctx, []byte("other"), now)
	wantCode(t, err, kakehashi.EUNAUTHORIZED)

	at := &kakehashi.APIToken{UserID: u.ID, Name: "script"}
	th := []byte("token-hash-token-hash-token-hash")
	if err := db.CreateAPIToken(ctx, at, th, u); err != nil {
		t.Fatal(err)
	}
	if got, err := db.TokenUser(ctx, th, now); err != nil || got.ID != u.ID {
		t.Fatalf("token user: %v %v", got, err)
	}
	toks, _ := db.APITokens(ctx, u.ID)
	if len(toks) != 1 || toks[0].LastUsedAt == nil {
		t.Fatalf("tokens: %+v (last use must be recorded)", toks)
	}
	// Disabling a user ends their sessions and stops their tokens.
	u.Disabled = true
	if err := db.UpdateUser(ctx, u, admin()); err != nil {
		t.Fatal(err)
	}
	_, err = db.SessionUser(ctx, tok, now)
	wantCode(t, err, kakehashi.EUNAUTHORIZED)
	_, err = db.TokenUser(ctx, th, now)
	wantCode(t, err, kakehashi.EUNAUTHORIZED)
	wantCode(t, db.DeleteAPIToken(ctx, u.ID, at.ID+7, u), kakehashi.ENOTFOUND)
	if err := db.DeleteAPIToken(ctx, u.ID, at.ID, u); err != nil {
		t.Fatal(err)
	}
	if toks, _ := db.APITokens(ctx, u.ID); len(toks) != 0 {
		t.Fatal("deleted token still listed")
	}
}

func testAuditEveryWrite(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	actor := &kakehashi.User{Email: "root@example.com", Name: "Root", PlatformRole: kakehashi.PlatformAdmin}
	if err := db.CreateUser(ctx, actor, admin()); err != nil {
		t.Fatal(err)
	}
	o := Org("a", "JP")
	if err := db.CreateOrganization(ctx, o, actor); err != nil {
		t.Fatal(err)
	}
	l := Listing(o.ID, "1")
	if err := db.CreateListing(ctx, l, actor); err != nil {
		t.Fatal(err)
	}
	l.Status = kakehashi.StatusClosed
	if err := db.UpdateListing(ctx, l, actor); err != nil {
		t.Fatal(err)
	}
	ev, err := db.AuditEvents(ctx, kakehashi.AuditFilter{ActorID: actor.ID})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range ev {
		actions = append(actions, e.Action)
		if e.Actor != "root@example.com" || e.At.IsZero() {
			t.Errorf("event without actor or time: %+v", e)
		}
	}
	want := []string{"listing.update", "listing.create", "organization.create"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audit actions %v, want %v (newest first)", actions, want)
	}
	forListing, _ := db.AuditEvents(ctx, kakehashi.AuditFilter{RecordType: "listing", RecordID: l.ID})
	if len(forListing) != 2 {
		t.Fatalf("listing has %d audit events, want 2", len(forListing))
	}
	older, _ := db.AuditEvents(ctx, kakehashi.AuditFilter{Before: ev[0].ID, ActorID: actor.ID})
	if len(older) != 2 {
		t.Fatalf("events before %d: %d, want 2", ev[0].ID, len(older))
	}
}

func testMeta(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	if v, err := db.GetMeta(ctx, "demo"); err != nil || v != "" {
		t.Fatalf("unset meta: %q %v", v, err)
	}
	for _, v := range []string{"1", "2"} {
		if err := db.SetMeta(ctx, "demo", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := db.GetMeta(ctx, "demo"); v != "2" {
		t.Fatalf("meta = %q, want 2", v)
	}
}
