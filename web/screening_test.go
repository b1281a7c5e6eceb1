package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/screening"
)

// TestScreeningOnOrganizationPages: coordinators see an organization's
// screening with its explained hits and record a decision; others do not
// see it at all.
func TestScreeningOnOrganizationPages(t *testing.T) {
	base, db := startStack(t)
	ctx := context.Background()
	o, err := db.OrganizationByExternalID(ctx, "demo:org:boston-bioventures")
	if err != nil {
		t.Fatal(err)
	}
	list := "id,name,aliases,country,source,programs\nX-1," + o.Name + ",,US,Test List,demo\n"
	entries, err := screening.ParseCSV(strings.NewReader(list))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compliance.New(db, compliance.Config{}).Load(ctx, "test", "csv", "test.csv", entries, kakehashi.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	client := func(email string) *http.Client {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		if email != "" {
			resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {"kakehashi-demo"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		return c
	}
	page := func(c *http.Client) string {
		resp, err := c.Get(base + "/orgs/" + strconv.FormatInt(o.ID, 10))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	coord := client("coordinator@kakehashi.example")
	body := page(coord)
	if !strings.Contains(body, `id="screening"`) || !strings.Contains(body, "X-1") || !strings.Contains(body, "Test List") {
		t.Fatalf("the coordinator does not see the screening hit:\n%.2000s", body)
	}
	for _, email := range []string{"", "engineer@minato-seiki.example"} {
		if strings.Contains(page(client(email)), `id="screening"`) {
			t.Errorf("%q sees the screening section", email)
		}
	}
	// A decision without a reason is refused inline; with one, it is recorded.
	resp, err := coord.PostForm(base+"/orgs/"+strconv.FormatInt(o.ID, 10)+"/screening/decision", url.Values{"decision": {"cleared"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("decision without a reason: status %d", resp.StatusCode)
	}
	resp, err = coord.PostForm(base+"/orgs/"+strconv.FormatInt(o.ID, 10)+"/screening/decision", url.Values{"decision": {"cleared"}, "reason": {"A different company (checked the registry)."}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r, err := db.LatestScreening(ctx, o.ID)
	if err != nil || r.Decision != kakehashi.DecisionCleared {
		t.Fatalf("decision not recorded: %+v %v", r, err)
	}
	if !strings.Contains(page(coord), "A different company") {
		t.Fatal("the decision is not shown")
	}
	// The screening page checks names and browses the loaded lists.
	resp, err = coord.Get(base + "/screening?name=" + url.QueryEscape(o.Name) + "&country=US&q=" + url.QueryEscape(o.Name[:6]))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Count(string(b), "X-1") < 2 || !strings.Contains(string(b), "test.csv") {
		t.Fatalf("screening page: %d\n%.1500s", resp.StatusCode, b)
	}
	member := client("engineer@minato-seiki.example")
	if resp, err := member.Get(base + "/screening"); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a member opened the screening page: %v %v", resp.StatusCode, err)
	}
	resp, err = member.PostForm(base+"/orgs/"+strconv.FormatInt(o.ID, 10)+"/screening", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a member screened an organization: status %d", resp.StatusCode)
	}
}
