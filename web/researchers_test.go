package web_test

// Researcher pages over HTTP and in the browser: the list and its filters,
// profiles, the profile form's rights and errors, and "Who could work on
// this?" on a demo need.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// idByExternal returns the id of the listing with an external id.
func idByExternal(t *testing.T, db *sqlstore.DB, ext string) int64 {
	t.Helper()
	var id int64
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT id FROM listings WHERE external_id = $1`, ext).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// researcherID returns the id of the demo researcher with a name.
func researcherID(t *testing.T, db *sqlstore.DB, name string) int64 {
	t.Helper()
	var id int64
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT id FROM researchers WHERE name = $1`, name).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

var expertName = regexp.MustCompile(`<article class="card match expert">\s*<div class="match-head">\s*<h3><a href="/researchers/(\d+)">([^<]+)</a>`)

func TestResearcherPages(t *testing.T) {
	base, db := startStack(t)
	anon := newSession(t, base, "")

	resp, body := anon.get("/researchers")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Aya Yamamoto") || !strings.Contains(body, "Maria Gonzalez") {
		t.Fatalf("researcher list: %d %.300s", resp.StatusCode, body)
	}
	_, body = anon.get("/researchers?career_stage=early_career&country=GB")
	if !strings.Contains(body, "Amelia Clarke") || strings.Contains(body, "Aya Yamamoto") || strings.Contains(body, "Oliver Hughes") {
		t.Errorf("early-career GB filter shows the wrong people")
	}
	_, body = anon.get("/researchers?q=" + url.QueryEscape("固体電解質"))
	if !strings.Contains(body, "Aya Yamamoto") || strings.Contains(body, "Maria Gonzalez") {
		t.Errorf("keyword search 固体電解質 shows the wrong people")
	}
	if resp, body := anon.get("/researchers?country=UK"); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "GB") {
		t.Errorf("bad country: %d, want 400 naming GB", resp.StatusCode)
	}

	aya := researcherID(t, db, "Aya Yamamoto")
	resp, body = anon.get(fmt.Sprintf("/researchers/%d", aya))
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "山本 彩") || !strings.Contains(body, "https://orcid.org/0000-0000-1000-1016") ||
		!strings.Contains(body, "液相合成による微粒子硫化物系固体電解質の低温製造法") || strings.Contains(body, fmt.Sprintf(`href="/researchers/%d/edit"`, aya)) {
		t.Errorf("profile page for an anonymous visitor: %d", resp.StatusCode)
	}

	// "Who could work on this?" on the need's page and on its own page.
	for ext, want := range demo.IntendedExpert {
		need := idByExternal(t, db, ext)
		_, body := anon.get(fmt.Sprintf("/listings/%d", need))
		m := expertName.FindStringSubmatch(body)
		if !strings.Contains(body, "Who could work on this?") || m == nil || m[2] != want {
			t.Errorf("%s page: first expert %v, want %s", ext, m, want)
		}
		if !strings.Contains(body, "In their profile") || !strings.Contains(body, "Seeds they are behind") {
			t.Errorf("%s page: experts not explained", ext)
		}
	}
	need := idByExternal(t, db, "demo:need:0002")
	_, body = anon.get(fmt.Sprintf("/listings/%d/experts?country=GB", need))
	if m := expertName.FindStringSubmatch(body); m == nil || m[2] != "Amelia Clarke" || strings.Contains(body, "Maria Gonzalez") {
		t.Errorf("experts filtered to GB: %v", m)
	}
	if resp, _ := anon.get(fmt.Sprintf("/listings/%d/experts?career_stage=junior", need)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad career stage: %d, want 400", resp.StatusCode)
	}
	if resp, _ := anon.get(fmt.Sprintf("/listings/%d/experts", idByExternal(t, db, "demo:seed:0002"))); resp.StatusCode != http.StatusNotFound {
		t.Errorf("experts of a seed: %d, want 404", resp.StatusCode)
	}
	_, body = newSession(t, base, "").get(fmt.Sprintf("/listings/%d", idByExternal(t, db, "demo:seed:0002")))
	if strings.Contains(body, "Who could work on this?") {
		t.Error("a seed's page asks who could work on it")
	}

	// The researcher edits her own profile: a wrong ORCID check digit is
	// refused with the field named; a good edit is saved.
	me := newSession(t, base, "researcher@kansai-tech.example")
	_, body = me.get(fmt.Sprintf("/researchers/%d/edit", aya))
	if !strings.Contains(body, `name="orcid"`) || !strings.Contains(body, "0000-0000-1000-1016") {
		t.Fatalf("edit form: %.300s", body)
	}
	form := url.Values{"name": {"Aya Yamamoto"}, "name_ja": {"山本 彩"}, "career_stage": {"early_career"}, "keywords": {"硫化物系固体電解質, 液相合成"},
		"fields": {"2.5"}, "languages": {"ja, en"}, "orcid": {"0000-0000-1000-1017"}, "open_industry": {"1"},
		"publications": {"2025 | A paper | 10.5555/x.1"}, "listing_ids": {fmt.Sprint(idByExternal(t, db, "demo:seed:0002"))}}
	resp, body = me.post(fmt.Sprintf("/researchers/%d/edit", aya), form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "check digit") || !strings.Contains(body, `id="err-orcid"`) {
		t.Errorf("bad ORCID: %d", resp.StatusCode)
	}
	form.Set("orcid", "0000-0000-1000-1016")
	form.Set("position", "Associate Professor")
	resp, body = me.post(fmt.Sprintf("/researchers/%d/edit", aya), form)
	if resp.Request.URL.Path != fmt.Sprintf("/researchers/%d", aya) || !strings.Contains(body, "Associate Professor") {
		t.Fatalf("save: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	var pos string
	if err := db.SQL().QueryRow(`SELECT position FROM researchers WHERE id = $1`, aya).Scan(&pos); err != nil || pos != "Associate Professor" {
		t.Errorf("stored position %q %v", pos, err)
	}

	// Someone else's profile: the form is refused.
	other := newSession(t, base, "engineer@minato-seiki.example")
	if resp, _ := other.get(fmt.Sprintf("/researchers/%d/edit", aya)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another organization's member opens the edit form: %d", resp.StatusCode)
	}
	if resp, _ := other.post(fmt.Sprintf("/researchers/%d/edit", aya), form); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another organization's member saves: %d", resp.StatusCode)
	}
	// …but they may create their own.
	resp, body = other.post("/researchers/new", url.Values{"name": {"Makoto Takahashi"}, "career_stage": {"mid_career"}, "keywords": {"5軸加工"},
		"languages": {"ja"}, "mine": {"1"}})
	if !strings.HasPrefix(resp.Request.URL.Path, "/researchers/") || !strings.Contains(body, "Makoto Takahashi") {
		t.Fatalf("create own profile: %d at %s: %.400s", resp.StatusCode, resp.Request.URL, body)
	}
	// A second profile for the same account is a conflict, said on the form.
	resp, body = other.post("/researchers/new", url.Values{"name": {"Makoto Takahashi"}, "career_stage": {"mid_career"}, "mine": {"1"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "already") {
		t.Errorf("second own profile: %d", resp.StatusCode)
	}
	if resp, _ := anon.get("/researchers/new"); resp.Request.URL.Path != "/login" {
		t.Errorf("anonymous profile form: at %s, want /login", resp.Request.URL.Path)
	}
}

// TestBrowserExperts opens a demo need, reads "Who could work on this?"
// with its explanations, filters the full list, and opens a profile.
func TestBrowserExperts(t *testing.T) {
	base, db := startStack(t)
	ctx := newBrowser(t)
	start := time.Now()
	step := func(name string) { t.Logf("%6.2fs %s", time.Since(start).Seconds(), name) }
	need := idByExternal(t, db, "demo:need:0001")
	want := demo.IntendedExpert["demo:need:0001"]

	step("open the need")
	do(ctx, t, "open the need", chromedp.Navigate(fmt.Sprintf("%s/listings/%d", base, need)))
	if got := texts(ctx, t, "#experts-title"); len(got) != 1 || got[0] != "Who could work on this?" {
		t.Fatalf("experts section title %q", got)
	}
	names := texts(ctx, t, "#experts article.expert h3 a")
	if len(names) < 2 || names[0] != want {
		t.Fatalf("experts %q, want %s first", names, want)
	}
	// The first explanation is open: profile terms with where they were
	// found, and the matching seeds with their own terms.
	if !eval[bool](ctx, t, `document.querySelector("#experts article.expert details.why").open`) {
		t.Error("the best expert's explanation is closed")
	}
	terms := texts(ctx, t, "#experts article.expert:first-of-type details.why .why-body > div:first-child ul.terms li")
	if len(terms) == 0 || !strings.Contains(strings.Join(terms, " "), "expertise") {
		t.Errorf("profile terms %q", terms)
	}
	seeds := texts(ctx, t, "#experts article.expert:first-of-type ul.expert-seeds > li > a")
	if len(seeds) == 0 {
		t.Errorf("no matching seeds explained")
	}
	screenshot(ctx, t, "20-need-experts")

	step("the full list, early-career only")
	loadAfter(ctx, t, "open all experts", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#experts a[href="/listings/%d/experts"]`, need))))
	do(ctx, t, "choose early-career", chromedp.SetValue(chromedp.ID("pf-stage"), "early_career"))
	loadAfter(ctx, t, "apply the filter", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	if u, _ := url.Parse(location(ctx, t)); u.Query().Get("career_stage") != "early_career" {
		t.Fatalf("filter not applied: %s", u)
	}
	for _, tag := range texts(ctx, t, "#experts article.expert p.meta > span.tag:first-child") {
		if tag != "Early-career" {
			t.Errorf("career filter shows a %q researcher", tag)
		}
	}
	if got := texts(ctx, t, "#experts article.expert h3 a"); len(got) == 0 || got[0] != want {
		t.Errorf("early-career experts %q, want %s first", got, want)
	}

	step("open the profile")
	loadAfter(ctx, t, "open the profile", chromedp.Click(chromedp.CSS("#experts article.expert h3 a")))
	if got := texts(ctx, t, "main h1"); len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Errorf("profile heading %q", got)
	}
	if got := texts(ctx, t, "main .columns section:first-child li a"); len(got) < 2 {
		t.Errorf("profile seeds %q", got)
	}
	screenshot(ctx, t, "21-researcher-profile")

	step("in Japanese")
	loadAfter(ctx, t, "switch to Japanese", chromedp.Click(chromedp.CSS("header a.lang")))
	if got := texts(ctx, t, "main p.meta span.tag"); len(got) == 0 || got[0] != "若手研究者" {
		t.Errorf("Japanese career stage %q", got)
	}
	step("done")
}
