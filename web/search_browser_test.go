package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSearchPanelShowsBadFilter checks, in Chromium, that a filter the
// search page refuses with 400 (a minimum TRL above the maximum) still
// replaces the results panel through htmx, so that the visitor reads why,
// instead of the page silently keeping the old results.
func TestSearchPanelShowsBadFilter(t *testing.T) {
	base, _ := startStack(t)
	ctx := newBrowser(t)
	// The refused filter comes back as 400, which Chromium logs.
	pageErrors(ctx).allow(`/search\?.*: Failed to load resource: the server responded with a status of 400 `)
	do(ctx, t, "open the search page", chromedp.Navigate(base+"/search?q=battery"))
	choose(ctx, t, "#f-trl-min", "9")
	waitFor(ctx, t, "trl_min=9 in the URL", `new URLSearchParams(location.search).get("trl_min") === "9" && !document.querySelector(".htmx-request")`)
	eval[bool](ctx, t, `document.getElementById("search-panel").dataset.e2eOld = "1", window.e2eSamePage = true`)
	choose(ctx, t, "#f-trl-max", "1")
	waitFor(ctx, t, "the panel to be replaced with the error", `(() => {
		const p = document.getElementById("search-panel");
		return !!p && p.dataset.e2eOld !== "1" && !!p.querySelector("p.error[role=alert]");
	})()`)
	if !eval[bool](ctx, t, `window.e2eSamePage === true`) {
		t.Fatal("the refused filter loaded a new page; want htmx to replace #search-panel")
	}
	if got := texts(ctx, t, "#search-panel p.error"); len(got) != 1 || !strings.Contains(got[0], "trl_min") {
		t.Errorf("error shown %q; want it to name trl_min", got)
	}
}
