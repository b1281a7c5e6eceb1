package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// browserless is a cookie-keeping HTTP client that does not follow
// redirects, signed in as email ("" for an anonymous visitor).
func browserless(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if email != "" {
		resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {"kakehashi-demo"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in %s: status %d", email, resp.StatusCode)
		}
	}
	return c
}

type pageResp struct {
	status   int
	location string
	body     string
}

func get(t *testing.T, c *http.Client, u string, lang ...string) pageResp {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	if len(lang) > 0 {
		req.Header.Set("Accept-Language", lang[0])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return pageResp{resp.StatusCode, resp.Header.Get("Location"), string(b)}
}

func post(t *testing.T, c *http.Client, u string, form url.Values) pageResp {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return pageResp{resp.StatusCode, resp.Header.Get("Location"), string(b)}
}

func (p pageResp) want(t *testing.T, status int, contains ...string) pageResp {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d; body:\n%.1500s", p.status, status, p.body)
	}
	for _, s := range contains {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page lacks %q:\n%.3000s", s, p.body)
		}
	}
	return p
}

var idAtEnd = regexp.MustCompile(`/(\d+)(\?|$)`)

func locationID(t *testing.T, p pageResp) int64 {
	t.Helper()
	m := idAtEnd.FindStringSubmatch(p.location)
	if m == nil {
		t.Fatalf("no id in redirect %q (status %d)", p.location, p.status)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// TestCallFlowInBrowserPages walks a call through the pages: a company puts
// it out (with inline errors first), a university drafts and submits a
// proposal, an ineligible startup is refused, the company moves it through
// review with a coordinator as reviewer and adopts it with feedback, which
// the university reads beside a link to the new introduction.
func TestCallFlowInBrowserPages(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	owner := browserless(t, base, "rd@hoshizora-motors.example")
	uni := browserless(t, base, "tlo@kansai-tech.example")
	startup := browserless(t, base, "founder@boston-bioventures.example")
	coord := browserless(t, base, "coordinator@kakehashi.example")
	outsider := browserless(t, base, "engineer@minato-seiki.example")
	anon := browserless(t, base, "")

	get(t, anon, base+"/calls").want(t, http.StatusOK, "Challenge calls")
	get(t, anon, base+"/calls", "ja").want(t, http.StatusOK, "課題公募")
	get(t, owner, base+"/calls/new").want(t, http.StatusOK, `name="criteria"`)

	form := url.Values{"theme": {"Solid-state batteries that survive a Hokkaido winter"}, "background": {"Our buses lose range below -10 °C; we look for electrolytes and packs that do not."},
		"language": {"en"}, "deadline_date": {"2099-03-31"}, "deadline_time": {"17:00"}, "time_zone": {"Mars/Base"}, "budget": {"30,000,000"},
		"currency": {"JPY"}, "trl_min": {"3"}, "trl_max": {"6"}, "eligible_countries": {"JP"}, "criteria": {"Feasibility: 3\nImpact: 1"}}
	post(t, owner, base+"/calls/new", form).want(t, http.StatusUnprocessableEntity, `id="err-time_zone"`, "Asia/Tokyo")
	form.Set("time_zone", "Asia/Tokyo")
	r := post(t, owner, base+"/calls/new", form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("create call: status %d\n%.2000s", r.status, r.body)
	}
	callID := locationID(t, r)
	call, err := db.Call(ctx, callID)
	if err != nil {
		t.Fatal(err)
	}
	if loc := call.DeadlineLocal(); loc.Hour() != 17 || loc.Location().String() != "Asia/Tokyo" || call.Budget != 30_000_000 {
		t.Fatalf("stored call deadline %v budget %d", loc, call.Budget)
	}
	callURL := base + "/calls/" + strconv.FormatInt(callID, 10)
	get(t, anon, callURL).want(t, http.StatusOK, "Seeds that could answer this call", "Feasibility", "2099")
	get(t, owner, callURL).want(t, http.StatusOK, "Proposals ranked by weighted score")
	get(t, startup, callURL).want(t, http.StatusOK, "not eligible")
	get(t, uni, callURL).want(t, http.StatusOK, "/calls/"+strconv.FormatInt(callID, 10)+"/propose")

	// The owner edits the call from its page; others may not.
	get(t, owner, callURL).want(t, http.StatusOK, `href="/calls/`+strconv.FormatInt(callID, 10)+`/edit"`)
	if r := get(t, uni, callURL); strings.Contains(r.body, "/edit") {
		t.Errorf("a proposer is offered to edit the call")
	}
	get(t, owner, callURL+"/edit").want(t, http.StatusOK, "Feasibility: 3\nImpact: 1", `value="2099-03-31"`, `value="17:00"`, "30,000,000", "Save changes")
	get(t, owner, callURL+"/edit", "ja").want(t, http.StatusOK, "公募を編集する")
	get(t, uni, callURL+"/edit").want(t, http.StatusForbidden)
	post(t, uni, callURL+"/edit", form).want(t, http.StatusForbidden)
	get(t, anon, callURL+"/edit").want(t, http.StatusSeeOther)
	get(t, owner, base+"/calls/999999/edit").want(t, http.StatusNotFound)
	form.Set("time_zone", "Mars/Base")
	post(t, owner, callURL+"/edit", form).want(t, http.StatusUnprocessableEntity, `id="err-time_zone"`)
	form.Set("time_zone", "Asia/Tokyo")
	form.Set("budget", "35,000,000")
	r = post(t, owner, callURL+"/edit", form)
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, "?edited=1") {
		t.Fatalf("edit call: %d %q\n%.2000s", r.status, r.location, r.body)
	}
	get(t, owner, base+r.location).want(t, http.StatusOK, "The call was updated.")
	if c, _ := db.Call(ctx, callID); c.Budget != 35_000_000 || c.OrgID != call.OrgID || c.ListingID != call.ListingID {
		t.Fatalf("edited call %+v", c)
	}

	proposal := url.Values{"summary": {"A sulfide electrolyte that keeps 90% capacity at -20 °C."}, "approach": {"Pilot cells, then a bus pack."},
		"team": {"Two professors, three postdocs."}, "trl": {"9"}, "budget_requested": {"20,000,000"}, "action": {"save"}}
	post(t, uni, callURL+"/propose", proposal).want(t, http.StatusUnprocessableEntity, `id="err-trl"`)
	post(t, startup, callURL+"/propose", proposal).want(t, http.StatusForbidden)
	proposal.Set("trl", "4")
	r = post(t, uni, callURL+"/propose", proposal)
	if r.status != http.StatusSeeOther {
		t.Fatalf("draft: status %d\n%.2000s", r.status, r.body)
	}
	pid := locationID(t, r)
	pURL := base + "/proposals/" + strconv.FormatInt(pid, 10)
	get(t, uni, pURL).want(t, http.StatusOK, "Edit or submit")
	get(t, owner, pURL).want(t, http.StatusNotFound) // a draft is its organization's
	get(t, uni, pURL+"/edit").want(t, http.StatusOK, "Pilot cells")
	proposal.Set("action", "submit")
	post(t, uni, pURL+"/edit", proposal).want(t, http.StatusSeeOther)
	if p, _ := db.Proposal(ctx, pid); p.Status != kakehashi.ProposalSubmitted {
		t.Fatalf("status %s after submitting", p.Status)
	}
	get(t, outsider, pURL).want(t, http.StatusNotFound)
	get(t, anon, pURL).want(t, http.StatusSeeOther)

	// The owner moves it on and assigns the coordinator, who scores it.
	for _, to := range []string{"screening", "review"} {
		post(t, owner, pURL+"/stage", url.Values{"to": {to}}).want(t, http.StatusSeeOther)
	}
	post(t, owner, pURL+"/reviewers", url.Values{"email": {"nobody@example.com"}}).want(t, http.StatusUnprocessableEntity, `id="err-reviewer"`)
	post(t, owner, pURL+"/reviewers", url.Values{"email": {"coordinator@kakehashi.example"}}).want(t, http.StatusSeeOther)
	get(t, coord, pURL).want(t, http.StatusOK, "Your review", `name="score_1"`)
	post(t, coord, pURL+"/review", url.Values{"score_0": {"8"}, "comment_0": {"Convincing pilot data."}, "score_1": {"4"}, "comment_1": {""}}).
		want(t, http.StatusUnprocessableEntity)
	post(t, coord, pURL+"/review", url.Values{"score_0": {"8"}, "comment_0": {"Convincing pilot data."}, "score_1": {"4"}, "comment_1": {"Local only."}}).
		want(t, http.StatusSeeOther)
	// (3×8 + 1×4) / 4 = 7.
	get(t, owner, callURL).want(t, http.StatusOK, "7.00")
	// Scored: the criteria are locked, the rest still changes.
	get(t, owner, callURL+"/edit").want(t, http.StatusOK, "readonly", "can no longer change")
	form.Set("criteria", "Feasibility: 1\nImpact: 1")
	post(t, owner, callURL+"/edit", form).want(t, http.StatusConflict, `id="err-criteria"`)
	form.Set("criteria", "Feasibility: 3\nImpact: 1")
	form.Set("ip_terms", "Shared.")
	post(t, owner, callURL+"/edit", form).want(t, http.StatusSeeOther)
	if c, _ := db.Call(ctx, callID); c.IPTerms != "Shared." || c.Criteria[0].Weight != 3 {
		t.Fatalf("call after editing a scored call %+v", c)
	}
	post(t, owner, pURL+"/stage", url.Values{"to": {"finalist"}}).want(t, http.StatusSeeOther)
	post(t, owner, pURL+"/stage", url.Values{"to": {"adopted"}}).want(t, http.StatusUnprocessableEntity, `id="err-feedback"`)
	post(t, owner, pURL+"/stage", url.Values{"to": {"adopted"}, "feedback": {"Best low-temperature data of all proposals."}}).want(t, http.StatusSeeOther)
	p, _ := db.Proposal(ctx, pid)
	if p.Status != kakehashi.ProposalAdopted || p.IntroductionID == 0 {
		t.Fatalf("adopted proposal %+v", p)
	}
	get(t, uni, pURL).want(t, http.StatusOK, "Best low-temperature data of all proposals.", "/introductions/"+strconv.FormatInt(p.IntroductionID, 10))
	get(t, uni, pURL, "ja").want(t, http.StatusOK, "採択")
	get(t, uni, base+"/introductions/"+strconv.FormatInt(p.IntroductionID, 10)).want(t, http.StatusOK)

	// After the deadline nothing is submitted.
	closed := storetest.Call(call.OrgID, db.Now().Add(-time.Hour))
	closed.EligibleKinds, closed.EligibleCountries = nil, nil
	if err := db.CreateCall(ctx, closed, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	proposal.Set("trl", "4")
	proposal.Set("budget_requested", "1000")
	post(t, uni, base+"/calls/"+strconv.FormatInt(closed.ID, 10)+"/propose", proposal).want(t, http.StatusConflict, "closed")
}
