package web_test

// End-to-end test of consortia and funding in the browser: a UK start-up's
// admin starts a consortium, a US start-up's admin asks to join, the lead
// approves and plans a task (a date before the consortium's start is
// refused on the field); and the demo introduction shows the funding call
// that fits it, with why.

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/demo"
)

const (
	cambridgeEmail = "cto@cambridge-materials.example"
	bostonEmail    = "founder@boston-bioventures.example"
)

var consortiumPath = regexp.MustCompile(`^/consortia/(\d+)$`)

// setValue sets a form field's value as typing would, firing input and
// change events (date inputs take typed keys by locale, so tests set them).
func setValue(ctx context.Context, t *testing.T, id, value string) {
	t.Helper()
	if !eval[bool](ctx, t, fmt.Sprintf(`(() => { const e = document.getElementById(%q); if (!e) return false; e.value = %q;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, id, value)) {
		t.Fatalf("no field #%s at %s", id, location(ctx, t))
	}
}

func TestBrowserConsortium(t *testing.T) {
	base, db := startStack(t)
	ctx := newBrowser(t)
	bg := context.Background()
	boston, err := db.OrganizationByExternalID(bg, "demo:org:boston-bioventures")
	if err != nil {
		t.Fatal(err)
	}

	// The lead starts a consortium from the list page.
	do(ctx, t, "open the home page", chromedp.Navigate(base+"/"))
	signIn(ctx, t, cambridgeEmail)
	loadAfter(ctx, t, "open the consortia", chromedp.Click(chromedp.CSS(`header nav a[href="/consortia"]`)))
	if got := texts(ctx, t, "main h1"); len(got) != 1 || got[0] != "Consortia" {
		t.Fatalf("consortia page heading %q", got)
	}
	if n := len(texts(ctx, t, "article.consortium-row")); n != 2 {
		t.Errorf("the list shows %d demo consortia, want 2", n)
	}
	loadAfter(ctx, t, "open the form", chromedp.Click(chromedp.CSS(`a.button[href="/consortia/new"]`)))
	const title = "Solid-state pilot cells for cold climates"
	do(ctx, t, "fill the form",
		chromedp.SendKeys(chromedp.ID("title"), title),
		chromedp.SendKeys(chromedp.ID("description"), "Pilot solid-state cells tested by partners in the US, the UK and Japan."),
		chromedp.SendKeys(chromedp.ID("keywords"), "solid-state battery, pilot cells"))
	setValue(ctx, t, "start", "2027-04-01")
	setValue(ctx, t, "end", "2029-03-31")
	loadAfter(ctx, t, "start the consortium", chromedp.Click(chromedp.CSS(`form[action="/consortia/new"] button[type=submit]`)))
	u, _ := url.Parse(location(ctx, t))
	m := consortiumPath.FindStringSubmatch(u.Path)
	if m == nil {
		t.Fatalf("after creating: at %s; errors %q", u, texts(ctx, t, ".error, .field-error"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	if got := texts(ctx, t, "main h1"); len(got) != 1 || got[0] != title {
		t.Errorf("consortium page heading %q", got)
	}
	if got := texts(ctx, t, "p.notice"); len(got) != 1 {
		t.Errorf("no notice of the new consortium: %q", got)
	}
	if got := texts(ctx, t, "#members li"); len(got) != 1 || !strings.Contains(got[0], "Cambridge Solid Ionics") || !strings.Contains(got[0], "Lead") {
		t.Errorf("members of the new consortium: %q", got)
	}
	screenshot(ctx, t, "30-consortium-new")
	signOut(ctx, t)

	// Another organization's admin asks to join.
	signIn(ctx, t, bostonEmail)
	do(ctx, t, "open the consortium", chromedp.Navigate(fmt.Sprintf("%s/consortia/%d", base, id)))
	if len(texts(ctx, t, "#requests")) != 0 || len(texts(ctx, t, "#task-form")) != 0 {
		t.Errorf("a non-member is offered the lead's controls")
	}
	do(ctx, t, "write to the lead", chromedp.SendKeys(chromedp.ID("join-message"), "We can supply cell-level diagnostics."))
	loadAfter(ctx, t, "ask to join", chromedp.Click(chromedp.CSS(`form#join button[type=submit]`)))
	if got := texts(ctx, t, "p.notice"); !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "sent to the lead") }) {
		t.Errorf("after asking: notices %q; errors %q", got, texts(ctx, t, ".error, .field-error"))
	}
	if len(texts(ctx, t, "form#join")) != 0 {
		t.Errorf("the join form is still offered while the request is pending")
	}
	members, err := db.Members(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(members, func(m *kakehashi.Membership) bool { return m.OrgID == boston.ID }); i < 0 || members[i].Status != kakehashi.MembershipPending {
		t.Fatalf("memberships after the request: %+v", members)
	}
	signOut(ctx, t)

	// The lead reads the notification, approves, and plans a task.
	signIn(ctx, t, cambridgeEmail)
	loadAfter(ctx, t, "open the inbox", chromedp.Click(chromedp.CSS(`header a[href="/inbox"]`)))
	link := fmt.Sprintf(`ol.inbox li.unread a[href="/consortia/%d"]`, id)
	if got := texts(ctx, t, "ol.inbox li.unread .note-subject"); len(texts(ctx, t, link)) != 1 || len(got) == 0 || !strings.Contains(got[0], "Boston BioVentures Inc. asks to join") {
		t.Fatalf("the lead's inbox has no request: %q", texts(ctx, t, "ol.inbox li"))
	}
	loadAfter(ctx, t, "follow the notification", chromedp.Click(chromedp.CSS(link)))
	if got := texts(ctx, t, "#requests .request-row"); len(got) != 1 || !strings.Contains(got[0], "Boston BioVentures") || !strings.Contains(got[0], "diagnostics") {
		t.Fatalf("pending requests %q", got)
	}
	loadAfter(ctx, t, "approve", chromedp.Click(chromedp.CSS(fmt.Sprintf(`form[action="/consortia/%d/requests/%d/approve"] button`, id, boston.ID))))
	if got := texts(ctx, t, "#members li"); len(got) != 2 || !strings.Contains(strings.Join(got, " "), "Boston BioVentures") {
		t.Fatalf("members after approval: %q", got)
	}
	do(ctx, t, "name the task", chromedp.SendKeys(chromedp.ID("task-title"), "Cell diagnostics at -30 °C"))
	choose(ctx, t, "#task-owner", strconv.FormatInt(boston.ID, 10))
	setValue(ctx, t, "task-start", "2027-03-01")
	setValue(ctx, t, "task-due", "2027-12-31")
	pageErrors(ctx).allow(`/consortia/\d+/tasks: Failed to load resource: the server responded with a status of 422 `)
	loadAfter(ctx, t, "add a task starting too early", chromedp.Click(chromedp.CSS(`#task-form button[type=submit]`)))
	if got := texts(ctx, t, "#err-task-start"); len(got) != 1 || !strings.Contains(got[0], "consortium's start") {
		t.Fatalf("a task before the consortium's start: field error %q; page errors %q", got, texts(ctx, t, ".error, .field-error"))
	}
	if got := eval[string](ctx, t, `document.getElementById("task-title").value`); got != "Cell diagnostics at -30 °C" {
		t.Errorf("the refused form lost its title: %q", got)
	}
	setValue(ctx, t, "task-start", "2027-05-01")
	choose(ctx, t, "#task-owner", strconv.FormatInt(boston.ID, 10))
	loadAfter(ctx, t, "add the task", chromedp.Click(chromedp.CSS(`#task-form button[type=submit]`)))
	rows := texts(ctx, t, "#tasks tr.task-row")
	if len(rows) != 1 || !strings.Contains(rows[0], "Cell diagnostics") || !strings.Contains(rows[0], "Boston BioVentures") {
		t.Fatalf("tasks %q; errors %q", rows, texts(ctx, t, ".error, .field-error"))
	}
	tasks, err := db.Tasks(bg, id)
	if err != nil || len(tasks) != 1 || tasks[0].OwnerOrgID != boston.ID || tasks[0].Start.Format("2006-01-02") != "2027-05-01" {
		t.Fatalf("stored tasks %+v, %v", tasks, err)
	}
	screenshot(ctx, t, "31-consortium-tasks")
	signOut(ctx, t)

	// The demo introduction shows the funding call that fits it.
	var intro int64
	if err := db.SQL().QueryRowContext(bg, `SELECT i.id FROM introductions i JOIN listings l ON l.id = i.listing_id WHERE l.external_id = $1`,
		demo.DemoIntroduction.Need).Scan(&intro); err != nil {
		t.Fatal(err)
	}
	signIn(ctx, t, demo.DemoIntroduction.Requester)
	do(ctx, t, "open the introduction", chromedp.Navigate(fmt.Sprintf("%s/introductions/%d", base, intro)))
	fits := texts(ctx, t, "#funding li.fit")
	if len(fits) == 0 || !strings.Contains(fits[0], "Industry–Academia Co-creation Programme") {
		t.Fatalf("funding that fits the introduction: %q", fits)
	}
	if !strings.Contains(fits[0], "Shared words") || !strings.Contains(fits[0], "may apply") || !strings.Contains(fits[0], "matching contribution") {
		t.Errorf("the fit is not explained: %q", fits[0])
	}
	screenshot(ctx, t, "32-introduction-funding")
	loadAfter(ctx, t, "open the funding call", chromedp.Click(chromedp.CSS(`#funding li.fit a[href^="/funding/"]`)))
	if got := texts(ctx, t, "main h1"); len(got) != 1 || !strings.Contains(got[0], "Co-creation") {
		t.Errorf("funding call page heading %q", got)
	}
}
