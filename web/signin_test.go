package web_test

// The sign-in page under the rate limit: concurrent wrong passwords are
// counted before any is checked, and a refusal says so, in the reader's
// language, with Retry-After.

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestSignInPageLimit(t *testing.T) {
	base, _ := startStack(t)
	const n = 30
	type result struct {
		status     int
		retryAfter string
		body       string
		err        error
	}
	results := make([]result, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"email": {"rd@hoshizora-motors.example"}, "password": {"not the password " + strconv.Itoa(i)}}
			req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				results[i].err = err
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if i%2 == 1 {
				req.Header.Set("Accept-Language", "ja")
			}
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				results[i].err = err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			results[i] = result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(b), err: err}
		}()
	}
	close(start)
	wg.Wait()
	checked, refused := 0, 0
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("attempt %d: %v", i, r.err)
		}
		switch r.status {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			refused++
			want := "Too many failed sign-in attempts for this account or address. Try again in 15 minutes."
			if i%2 == 1 {
				want = "このアカウントまたは接続元からのログインの失敗が多すぎるため、受け付けを一時停止しています。15 分後に再度お試しください。"
			}
			if !strings.Contains(r.body, want) {
				t.Errorf("attempt %d: the refusal does not say %q", i, want)
			}
			if secs, err := strconv.Atoi(r.retryAfter); err != nil || secs <= 0 || secs > 15*60+1 {
				t.Errorf("attempt %d: Retry-After %q, want seconds within the 15-minute window", i, r.retryAfter)
			}
		default:
			t.Errorf("attempt %d: status %d", i, r.status)
		}
	}
	if checked > 10 || checked+refused != n {
		t.Fatalf("%d checked, %d refused: want at most 10 passwords checked and the rest refused", checked, refused)
	}
}

// TestAdminFormRefusesWeakPasswords: the page that creates accounts refuses
// a common password with a message in the reader's language, and creates
// nothing.
func TestAdminFormRefusesWeakPasswords(t *testing.T) {
	base, db := startStack(t)
	adm := browserless(t, base, "admin@kakehashi.example")
	count := func() int {
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for _, tc := range []struct{ lang, password, want string }{
		{"en", "1234567890", "predictable sequence"},
		{"ja", "1234567890", "1234567890、abcdef、qwerty のような並びは使えません"},
		{"en", "aaaaaaaaaa", "repeats the same characters"},
		{"ja", "password123", "よく使われるパスワード"},
		{"en", "newcomer-2026", "your name, your e-mail address"},
		{"ja", "kakehashi2026", "氏名・メールアドレス・サイト名"},
	} {
		form := url.Values{"email": {"newcomer@example.com"}, "name": {"Newcomer"}, "password": {tc.password}, "platform_role": {""}}
		req, _ := http.NewRequest(http.MethodPost, base+"/admin/users", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", tc.lang)
		resp, err := adm.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %q: status %d, want 422 saying %q", tc.lang, tc.password, resp.StatusCode, tc.want)
		}
	}
	if n := count(); n != before {
		t.Errorf("refused passwords created %d accounts", n-before)
	}
	// The demo accounts keep their password, which the demo sets itself.
	browserless(t, base, "rd@hoshizora-motors.example")
}
