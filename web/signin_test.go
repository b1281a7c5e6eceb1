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
