package storetest

// Conformance tests of the store's credentials: sign-in attempt counts,
// what a password change revokes, and feed address generations.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// authTests are the conformance tests of sign-in attempts and credential
// revocation.
var authTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"SignInAttemptsWindow", testSignInAttemptsWindow},
	{"SignInAttemptsConcurrent", testSignInAttemptsConcurrent},
	{"PasswordChangeRevokesCredentials", testPasswordChangeRevokesCredentials},
	{"FeedRotation", testFeedRotation},
}

// take calls TakeAttempt and checks its answer.
func take(t *testing.T, db *sqlstore.DB, key string, wantOK bool, wantWait time.Duration) {
	t.Helper()
	ok, wait, err := db.TakeAttempt(context.Background(), key, 3, time.Minute)
	if err != nil || ok != wantOK || wait != wantWait {
		t.Fatalf("TakeAttempt(%s) = %v, %v, %v; want %v, %v", key, ok, wait, err, wantOK, wantWait)
	}
}

func testSignInAttemptsWindow(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := t0
	db.Now = func() time.Time { return clock }

	take(t, db, "ip:a", true, 0)
	take(t, db, "ip:a", true, 0)
	if err := db.RefundAttempt(ctx, "ip:a"); err != nil { // a success gives its attempt back
		t.Fatal(err)
	}
	clock = t0.Add(10 * time.Second)
	take(t, db, "ip:a", true, 0)
	take(t, db, "ip:a", true, 0)
	take(t, db, "ip:a", false, 50*time.Second) // the window started at the first attempt
	take(t, db, "ip:b", true, 0)               // keys are independent
	clock = t0.Add(30 * time.Second)
	take(t, db, "ip:a", false, 30*time.Second) // refusals do not extend the window
	// Refusals are not counted either: a refund after them frees a slot
	// (as when a success gives back its attempt while others are refused).
	if err := db.RefundAttempt(ctx, "ip:a"); err != nil {
		t.Fatal(err)
	}
	take(t, db, "ip:a", true, 0)
	take(t, db, "ip:a", false, 30*time.Second)
	clock = t0.Add(time.Minute)
	take(t, db, "ip:a", true, 0) // a new window
	take(t, db, "ip:a", true, 0)
	take(t, db, "ip:a", true, 0)
	take(t, db, "ip:a", false, time.Minute)
	clock = t0.Add(80 * time.Second) // ip:b's window has ended, ip:a's not
	take(t, db, "ip:a", false, 40*time.Second)
	if err := db.ResetAttempts(ctx, "ip:a"); err != nil {
		t.Fatal(err)
	}
	take(t, db, "ip:a", true, 0)
	// Resetting sweeps the counts whose window ended: ip:b's did.
	var n int
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM sign_in_attempts WHERE bucket = 'ip:b'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("ended window of ip:b kept: %d rows, %v", n, err)
	}
}

// testSignInAttemptsConcurrent takes 60 attempts at once through two
// handles on one database, as two replicas would: exactly the limit pass.
func testSignInAttemptsConcurrent(t *testing.T, newDSN NewDSN) {
	dsn := newDSN(t)
	dbs := []*sqlstore.DB{openDSN(t, dsn), openDSN(t, dsn)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed, refused := 0, 0
	var errs []error
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, wait, err := dbs[i%2].TakeAttempt(context.Background(), "email:x@example.com", 10, 15*time.Minute)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case ok:
				passed++
			case wait <= 0 || wait > 15*time.Minute:
				errs = append(errs, &waitError{wait})
			default:
				refused++
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 || passed != 10 || refused != 50 {
		t.Fatalf("%d passed, %d refused, errors %v; want exactly 10 passed and 50 refused", passed, refused, errs)
	}

	// A sign-in's two limits at once: each attempt takes the address's
	// count, then the account's, and gives the address's back when the
	// account's refuses. However they interleave, the address ends up
	// counting exactly the attempts the account let through.
	ctx := context.Background()
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := dbs[i%2]
			ok, _, err := db.TakeAttempt(ctx, "ip:shared", 20, 15*time.Minute)
			if err == nil && ok {
				if ok, _, err = db.TakeAttempt(ctx, "email:y@example.com", 10, 15*time.Minute); err == nil && !ok {
					err = db.RefundAttempt(ctx, "ip:shared")
				}
			}
			if err != nil {
				func() {
					mu.Lock()
					defer mu.Unlock()
					errs = append(errs, err)
				}()
			}
		}()
	}
	wg.Wait()
	var n int
	if err := dbs[0].SQL().QueryRowContext(ctx, `SELECT attempts FROM sign_in_attempts WHERE bucket = 'ip:shared'`).Scan(&n); err != nil || n != 10 || len(errs) > 0 {
		t.Fatalf("the address counts %d attempts (%v, errors %v); want the 10 the account let through", n, err, errs)
	}
}

type waitError struct{ wait time.Duration }

func (e *waitError) Error() string { return "refused with wait " + e.wait.String() }

// testPasswordChangeRevokesCredentials: a new password hash ends the
// user's sessions and deletes their API tokens; other changes keep both,
// and other users' credentials are untouched.
func testPasswordChangeRevokesCredentials(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	now := db.Now().UTC()
	newUser := func(email string) (*kakehashi.User, []byte, []byte) {
		t.Helper()
		u := &kakehashi.User{Email: email, Name: "U", PasswordHash: "h1"}
		if err := db.CreateUser(ctx, u, admin()); err != nil {
			t.Fatal(err)
		}
		session, token := []byte("session of "+email), []byte("token of "+email)
		if err := db.CreateSession(ctx, session, kakehashi.Session{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAPIToken(ctx, &kakehashi.APIToken{UserID: u.ID, Name: "script"}, token, u); err != nil {
			t.Fatal(err)
		}
		return u, session, token
	}
	u, session, token := newUser("u@example.com")
	_, otherSession, otherToken := newUser("other@example.com")
	live := func(what string, session, token []byte, want bool) {
		t.Helper()
		_, serr := db.SessionUser(ctx, session, now)
		_, terr := db.TokenUser(ctx, token, now)
		if (serr == nil) != want || (terr == nil) != want {
			t.Fatalf("%s: session error %v, token error %v; want live=%v", what, serr, terr, want)
		}
	}
	u.Name = "Renamed"
	if err := db.UpdateUser(ctx, u, u); err != nil {
		t.Fatal(err)
	}
	live("after a change of name", session, token, true)
	u.PasswordHash = "h2"
	if err := db.UpdateUser(ctx, u, u); err != nil {
		t.Fatal(err)
	}
	live("after a change of password", session, token, false)
	if toks, err := db.APITokens(ctx, u.ID); err != nil || len(toks) != 0 {
		t.Fatalf("tokens after the change of password: %v %v", toks, err)
	}
	live("the other user's", otherSession, otherToken, true)
}

func testFeedRotation(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	u := &kakehashi.User{Email: "f@example.com", Name: "F"}
	other := &kakehashi.User{Email: "g@example.com", Name: "G"}
	for _, x := range []*kakehashi.User{u, other} {
		if err := db.CreateUser(ctx, x, admin()); err != nil {
			t.Fatal(err)
		}
	}
	if g, err := db.FeedGeneration(ctx, u.ID); err != nil || g != 0 {
		t.Fatalf("new user's feed generation %d, %v; want 0", g, err)
	}
	for want := int64(1); want <= 2; want++ {
		g, err := db.RotateFeed(ctx, u.ID, u)
		if err != nil || g != want {
			t.Fatalf("rotation %d: generation %d, %v", want, g, err)
		}
		if got, err := db.FeedGeneration(ctx, u.ID); err != nil || got != want {
			t.Fatalf("stored generation %d, %v; want %d", got, err, want)
		}
	}
	if g, _ := db.FeedGeneration(ctx, other.ID); g != 0 {
		t.Errorf("another user's generation moved to %d", g)
	}
	_, err := db.RotateFeed(ctx, other.ID+100, u)
	wantCode(t, err, kakehashi.ENOTFOUND)
	_, err = db.FeedGeneration(ctx, other.ID+100)
	wantCode(t, err, kakehashi.ENOTFOUND)
	ev, err := db.AuditEvents(ctx, kakehashi.AuditFilter{RecordType: "user", RecordID: u.ID})
	if err != nil || len(ev) == 0 || ev[0].Action != "feed.rotate" {
		t.Fatalf("rotation not audited: %v %v", ev, err)
	}
}
