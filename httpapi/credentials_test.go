package httpapi_test

// Credentials that outlive their reason: API tokens after a password
// change, tokens minting tokens, and feed addresses that could not be
// revoked.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// newToken creates an API token through the API with session s and returns
// its secret.
func (e *testEnv) newToken(s cred) string {
	e.t.Helper()
	tok, _ := e.do("POST", "/me/tokens", map[string]any{"name": "script"}, s).want(e.t, http.StatusCreated).obj(e.t)["token"].(string)
	return tok
}

// TestPasswordChangeRevokesTokensAndOtherSessions changes a password with
// PATCH /me: every API token and every other session of the user stop
// working, while the caller gets a fresh session in the answer. A password
// an admin sets revokes the account's tokens the same way.
func TestPasswordChangeRevokesTokensAndOtherSessions(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	a := e.actors[ownerMember]
	here := e.as(ownerMember)
	elsewhere := session(e.signIn(a.user.Email, a.password))
	token := e.newToken(here)
	e.do("GET", "/me", nil, bearer(token)).want(t, http.StatusOK)

	const newPassword = "a brand new password"
	r := e.do("PATCH", "/me", map[string]any{"password": newPassword, "current_password": a.password}, here).want(t, http.StatusOK)
	e.do("GET", "/me", nil, bearer(token)).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/me", nil, elsewhere).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/me", nil, here).wantProblem(t, http.StatusUnauthorized)
	fresh := r.cookie()
	if fresh == nil || fresh.Value == "" || fresh.Value == e.actors[ownerMember].session || !fresh.HttpOnly {
		t.Fatalf("PATCH /me set cookie %q: want a new HttpOnly session for the caller", r.header.Get("Set-Cookie"))
	}
	e.do("GET", "/me", nil, session(fresh.Value)).want(t, http.StatusOK)
	var list []map[string]any
	e.do("GET", "/me/tokens", nil, session(fresh.Value)).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 0 {
		t.Errorf("tokens listed after the password change: %v", list)
	}

	// A change of name alone revokes nothing.
	token = e.newToken(session(fresh.Value))
	r = e.do("PATCH", "/me", map[string]any{"name": "Renamed"}, session(fresh.Value)).want(t, http.StatusOK)
	if c := r.cookie(); c != nil {
		t.Errorf("a change of name set cookie %q", r.header.Get("Set-Cookie"))
	}
	e.do("GET", "/me", nil, bearer(token)).want(t, http.StatusOK)

	// An admin resetting the password of another account revokes its tokens.
	target := e.signIn(e.target.Email, "password of target")
	targetToken := e.newToken(session(target))
	e.do("PATCH", fmt.Sprintf("/users/%d", e.target.ID), map[string]any{"password": "reset by an admin"}, e.as(admin)).want(t, http.StatusOK)
	e.do("GET", "/me", nil, bearer(targetToken)).wantProblem(t, http.StatusUnauthorized)
	e.do("GET", "/me", nil, session(target)).wantProblem(t, http.StatusUnauthorized)
}

// TestTokensAreMintedOnlyFromASession: a token cannot create more tokens,
// so that a leaked token cannot outlive its revocation by copies.
func TestTokensAreMintedOnlyFromASession(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	token := e.newToken(e.as(ownerMember))
	before := e.count(`SELECT COUNT(*) FROM api_tokens`)
	p := e.do("POST", "/me/tokens", map[string]any{"name": "copy"}, bearer(token)).wantProblem(t, http.StatusForbidden)
	if !strings.Contains(p.Detail, "session") {
		t.Errorf("refusal %q does not say that a signed-in session is needed", p.Detail)
	}
	if n := e.count(`SELECT COUNT(*) FROM api_tokens`); n != before {
		t.Errorf("a token minted %d tokens", n-before)
	}
	// Reading and revoking with a token still work.
	e.do("GET", "/me/tokens", nil, bearer(token)).want(t, http.StatusOK)
}

// TestFeedRotation gives a user a new feed address: the old one is no
// longer found, the new one works and is the one GET /me/feed reports.
func TestFeedRotation(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	me := e.as(ownerMember)
	feedURL := func() string {
		u, _ := e.do("GET", "/me/feed", nil, me).want(t, http.StatusOK).obj(t)["url"].(string)
		return strings.TrimPrefix(u, "/api/v1")
	}
	old := feedURL()
	e.do("GET", old, nil).want(t, http.StatusOK)
	other := strings.TrimPrefix(e.do("GET", "/me/feed", nil, e.as(ownerAdmin)).want(t, http.StatusOK).obj(t)["url"].(string), "/api/v1")

	m := e.do("POST", "/me/feed/rotate", nil, me).want(t, http.StatusOK).obj(t)
	rotated, _ := m["url"].(string)
	rotated = strings.TrimPrefix(rotated, "/api/v1")
	if rotated == "" || rotated == old || rotated != feedURL() {
		t.Fatalf("rotated to %q (old %q, now reported %q)", rotated, old, feedURL())
	}
	e.do("GET", old, nil).wantProblem(t, http.StatusNotFound)
	e.do("GET", rotated, nil).want(t, http.StatusOK)
	e.do("GET", other, nil).want(t, http.StatusOK) // other users' feeds are untouched
	// Rotating again retires the second address too.
	e.do("POST", "/me/feed/rotate", nil, me).want(t, http.StatusOK)
	e.do("GET", rotated, nil).wantProblem(t, http.StatusNotFound)
	e.do("POST", "/me/feed/rotate", nil).wantProblem(t, http.StatusUnauthorized)
	if n := e.count(`SELECT COUNT(*) FROM audit_events WHERE action = 'feed.rotate' AND record_id = $1`, e.actors[ownerMember].user.ID); n != 2 {
		t.Errorf("%d feed rotations audited, want 2", n)
	}
}

// TestWeakPasswordsRefused: wherever the API sets a password, common,
// repetitive, sequential and personal passwords are refused with 422 on
// body.password, and nothing is stored.
func TestWeakPasswordsRefused(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	users := `SELECT COUNT(*) FROM users`
	before := e.count(users)
	for _, tc := range []struct {
		password, says string
		newcomerOnly   bool // weak only for the new account
	}{
		{"aaaaaaaaaa", "repeats", false},
		{"1234567890", "predictable sequence", false},
		{"qwertyuiop", "predictable sequence", false},
		{"password123", "too common", false},
		{"P@ssw0rd2024", "too common", false},
		{"newcomer2026", "your name, your e-mail address", true},
		{"kakehashi2026", "the site's name", false},
	} {
		t.Run(tc.password, func(t *testing.T) {
			e := e.with(t)
			body := map[string]any{"email": "newcomer@example.com", "name": "Newcomer", "password": tc.password, "org_id": e.own.ID}
			p := e.do("POST", "/users", body, e.as(admin)).wantProblem(t, http.StatusUnprocessableEntity, "body.password")
			if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, tc.says) {
				t.Errorf("refusal %+v does not say %q", p, tc.says)
			}
			if tc.newcomerOnly {
				return
			}
			e.do("PATCH", fmt.Sprintf("/users/%d", e.target.ID), map[string]any{"password": tc.password}, e.as(admin)).
				wantProblem(t, http.StatusUnprocessableEntity, "body.password")
			a := e.actors[ownerMember]
			e.do("PATCH", "/me", map[string]any{"password": tc.password, "current_password": a.password}, e.as(ownerMember)).
				wantProblem(t, http.StatusUnprocessableEntity, "body.password")
		})
	}
	if n := e.count(users); n != before {
		t.Errorf("refused passwords created %d users", n-before)
	}
	// Nothing was changed: the old passwords still sign in, sessions live.
	e.do("GET", "/me", nil, e.as(ownerMember)).want(t, http.StatusOK)
	e.signIn(e.target.Email, "password of target")
	// The account's own name counts, whatever the e-mail address.
	e.do("PATCH", "/me", map[string]any{"password": "owner-member-9999", "current_password": e.actors[ownerMember].password}, e.as(ownerMember)).
		wantProblem(t, http.StatusUnprocessableEntity, "body.password")
}
