package httpapi_test

// Sign-in hardening: the rate limit counts and checks in one atomic step,
// in the database, so that concurrent attempts and replicas share it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// replicaConns bounds the connection pool of each server of a replica
// test, as serve bounds it on PostgreSQL: sixty requests at once must queue
// for connections rather than exhaust the test cluster's, which the other
// tests running in parallel share.
const replicaConns = 8

// replica starts a second API server on the database at dsn, as another
// replica of e would be, and returns its base URL.
func (e *testEnv) replica(dsn string, cfg httpapi.Config) string {
	e.t.Helper()
	if cfg.Passwords.Memory == 0 {
		cfg.Passwords = fastPasswords
	}
	db := storetest.Open(e.t, func(*testing.T) string { return dsn })
	db.SQL().SetMaxOpenConns(replicaConns)
	srv := httptest.NewServer(httpapi.New(db, slog.New(slog.DiscardHandler), metrics.NewRegistry(), cfg).Handler(nil))
	e.t.Cleanup(srv.Close)
	return srv.URL
}

// attempt is the outcome of one sign-in made from a goroutine.
type attempt struct {
	status     int
	retryAfter string
	body       string
	err        error
}

// signInAll posts n sign-ins at once, spread over the servers at bases, each
// with the body made by body(i) and the headers made by hdr(i) (nil: none).
func signInAll(bases []string, n int, body func(i int) map[string]string, hdr func(i int) http.Header) []attempt {
	out := make([]attempt, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, _ := json.Marshal(body(i))
			req, err := http.NewRequest("POST", bases[i%len(bases)]+"/api/v1/auth/login", bytes.NewReader(b))
			if err != nil {
				out[i].err = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			if hdr != nil {
				for k, v := range hdr(i) {
					req.Header[k] = v
				}
			}
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				out[i].err = err
				return
			}
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			out[i] = attempt{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(b), err: rerr}
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// tally counts the statuses of attempts and checks that every refusal says
// when to retry, within the 15-minute window.
func tally(t *testing.T, attempts []attempt) map[int]int {
	t.Helper()
	got := map[int]int{}
	for i, a := range attempts {
		if a.err != nil {
			t.Fatalf("attempt %d: %v", i, a.err)
		}
		got[a.status]++
		if a.status >= 500 {
			t.Errorf("attempt %d: status %d: %.300s", i, a.status, a.body)
		}
		if a.status == http.StatusTooManyRequests {
			if secs, err := strconv.Atoi(a.retryAfter); err != nil || secs <= 0 || secs > 15*60+1 {
				t.Errorf("attempt %d: 429 with Retry-After %q, want seconds within the 15-minute window", i, a.retryAfter)
			}
		}
	}
	return got
}

// TestSignInLimitIsAtomic fires 60 wrong passwords for one account at once,
// half at each of two servers on one database: at most the account's limit
// of 10 are checked (401), the rest are refused (429) with Retry-After. The
// old limiter checked before it counted, per process, so most got through.
func TestSignInLimitIsAtomic(t *testing.T) {
	t.Parallel()
	for name, newDSN := range map[string]func(*testing.T) string{"sqlite": sqliteDSN, "postgres": postgresDSN} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn := newDSN(t)
			e := newEnv(t, func(*testing.T) string { return dsn }, httpapi.Config{})
			e.db.SQL().SetMaxOpenConns(replicaConns)
			bases := []string{e.srv.URL, e.replica(dsn, httpapi.Config{})}
			a := e.actors[ownerMember]
			got := tally(t, signInAll(bases, 60, func(i int) map[string]string {
				return map[string]string{"email": a.user.Email, "password": fmt.Sprintf("wrong password %d", i)}
			}, nil))
			if got[http.StatusUnauthorized] > 10 || got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != 60 {
				t.Fatalf("statuses %v: want at most 10 checked (401) and the rest refused (429)", got)
			}
			// The account stays locked on both servers, even for the right password.
			right := func(int) map[string]string { return map[string]string{"email": a.user.Email, "password": a.password} }
			if got := tally(t, signInAll(bases, 2, right, nil)); got[http.StatusTooManyRequests] != 2 {
				t.Fatalf("the right password on each server: %v, want 429 from both", got)
			}
			// Another account on the same address still signs in.
			b := e.actors[ownerAdmin]
			e.do("POST", "/auth/login", map[string]any{"email": b.user.Email, "password": b.password}).want(t, http.StatusOK)
		})
	}
}

// TestSignInLimitPerAddress sprays wrong passwords over many accounts from
// one address: after 20 the address is refused, whatever the account.
func TestSignInLimitPerAddress(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	got := tally(t, signInAll([]string{e.srv.URL}, 40, func(i int) map[string]string {
		return map[string]string{"email": fmt.Sprintf("nobody-%d@example.com", i), "password": "wrong password"}
	}, nil))
	if got[http.StatusUnauthorized] > 20 || got[http.StatusTooManyRequests] < 20 {
		t.Fatalf("statuses %v: want at most 20 checked (401) and the rest refused (429)", got)
	}
	a := e.actors[ownerMember]
	e.do("POST", "/auth/login", map[string]any{"email": a.user.Email, "password": a.password}).wantProblem(t, http.StatusTooManyRequests)
}

// TestTrustedProxies checks whose X-Forwarded-For is believed. Behind a
// trusted proxy (here the test client's loopback address) each client
// address has its own limit, taken from the right-most untrusted hop; from
// an untrusted peer the header is ignored, so varying it does not escape the
// peer's limit.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	var loopback auth.Proxies
	if err := loopback.Set("127.0.0.0/8,::1"); err != nil {
		t.Fatal(err)
	}
	wrong := func(i int) map[string]string {
		return map[string]string{"email": fmt.Sprintf("nobody-%d@example.com", i), "password": "wrong password"}
	}
	xff := func(value string) func(int) http.Header {
		return func(int) http.Header { return http.Header{"X-Forwarded-For": {value}} }
	}
	spoofed := func(i int) http.Header {
		return http.Header{"X-Forwarded-For": {fmt.Sprintf("198.51.100.%d", i+1)}}
	}

	t.Run("behind a trusted proxy", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, sqliteDSN, httpapi.Config{TrustedProxies: loopback})
		// 25 failures from one client, whatever it claims further left.
		got := tally(t, signInAll([]string{e.srv.URL}, 25, wrong, xff("1.2.3.4, 203.0.113.7")))
		if got[http.StatusUnauthorized] != 20 || got[http.StatusTooManyRequests] != 5 {
			t.Fatalf("one client behind the proxy: %v, want 20 checked and 5 refused", got)
		}
		// Other clients behind the same proxy have their own limits.
		a := e.actors[ownerMember]
		r := e.do("POST", "/auth/login", map[string]any{"email": a.user.Email, "password": a.password}, header("X-Forwarded-For", "203.0.113.8"))
		r.want(t, http.StatusOK)
		if got := tally(t, signInAll([]string{e.srv.URL}, 25, wrong, spoofed)); got[http.StatusUnauthorized] != 25 {
			t.Fatalf("25 clients behind the proxy: %v, want every password checked", got)
		}
		// The limit is counted under the client's address.
		if n := e.count(`SELECT COUNT(*) FROM sign_in_attempts WHERE bucket = 'ip:203.0.113.7'`); n != 1 {
			t.Errorf("no attempts counted for the client address: %d rows", n)
		}
	})

	t.Run("spoofed by an untrusted peer", func(t *testing.T) {
		t.Parallel()
		e := newSQLiteEnv(t) // trusts no proxy
		got := tally(t, signInAll([]string{e.srv.URL}, 25, wrong, spoofed))
		if got[http.StatusUnauthorized] != 20 || got[http.StatusTooManyRequests] != 5 {
			t.Fatalf("25 spoofed addresses: %v, want the peer's limit: 20 checked and 5 refused", got)
		}
		if n := e.count(`SELECT COUNT(*) FROM sign_in_attempts WHERE bucket LIKE 'ip:198.51.100.%'`); n != 0 {
			t.Errorf("spoofed addresses got %d buckets", n)
		}
	})
}

// TestSignInChecksOnePasswordWhateverTheAccount counts the argon2id checks
// a failed sign-in makes: one, against a hash of the same cost, whether the
// account exists, is unknown, is disabled or has no password, so that
// response times do not tell them apart. The answers are the same too.
func TestSignInChecksOnePasswordWhateverTheAccount(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	var mu sync.Mutex
	var hashes []string
	httpapi.SetPasswordVerifier(e.api, func(password, hash string) error {
		mu.Lock()
		hashes = append(hashes, hash)
		mu.Unlock()
		return auth.VerifyPassword(password, hash)
	})
	disabled := e.user("disabled", e.own.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "password of disabled")
	disabled.Disabled = true
	if err := e.db.UpdateUser(context.Background(), disabled, system); err != nil {
		t.Fatal(err)
	}
	noPassword := e.user("nopassword", e.own.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "")
	var bodies []string
	for _, tc := range []struct{ name, email, password string }{
		{"existing account, wrong password", e.actors[ownerMember].user.Email, "wrong password"},
		{"unknown account", "nobody@example.com", "wrong password"},
		{"disabled account, wrong password", disabled.Email, "wrong password"},
		{"disabled account, right password", disabled.Email, "password of disabled"},
		{"account without a password", noPassword.Email, "wrong password"},
	} {
		hashes = nil
		r := e.do("POST", "/auth/login", map[string]string{"email": tc.email, "password": tc.password})
		p := r.wantProblem(t, http.StatusUnauthorized)
		bodies = append(bodies, p.Detail)
		if len(hashes) != 1 || !strings.HasPrefix(hashes[0], "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Errorf("%s: checked against %q, want one check against a hash of the server's cost", tc.name, hashes)
		}
	}
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Errorf("answers differ: %q", bodies)
		}
	}
	// The stand-in hash for unknown accounts is made once, not per attempt
	// (making it costs as much again as checking it).
	var standIns []string
	for range 2 {
		hashes = nil
		e.do("POST", "/auth/login", map[string]string{"email": "nobody@example.com", "password": "wrong password"}).want(t, http.StatusUnauthorized)
		standIns = append(standIns, hashes...)
	}
	if len(standIns) != 2 || standIns[0] != standIns[1] {
		t.Errorf("unknown accounts checked against %q, want one precomputed hash", standIns)
	}
}
