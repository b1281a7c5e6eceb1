package storetest

// Conformance tests of the credentials the store keeps besides users and
// sessions: the sign-in attempt counts.

import (
	"context"
	"sync"
	"testing"
	"time"

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
}

type waitError struct{ wait time.Duration }

func (e *waitError) Error() string { return "refused with wait " + e.wait.String() }
