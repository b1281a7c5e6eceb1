package kakehashi

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook events: what an organization's webhooks may subscribe to.
const (
	WebhookIntroductionCreated    = "introduction.created"
	WebhookIntroductionTransition = "introduction.transition"
	WebhookMessageCreated         = "message.created"
)

// WebhookEvents lists every webhook event, in the order forms and the API
// document them. It returns a new slice on every call, so that no caller
// can change the list for the others.
func WebhookEvents() []string {
	return []string{WebhookIntroductionCreated, WebhookIntroductionTransition, WebhookMessageCreated}
}

// Webhook is an organization's subscription to events: each one is POSTed
// to URL as JSON, signed with Secret.
type Webhook struct {
	ID     int64    `json:"id"`
	OrgID  int64    `json:"org_id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret is shown once, when the webhook is created.
	Secret    string    `json:"secret,omitempty"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// URLPolicy decides which webhook targets the server may call.
// notify.AddressPolicy implements it; the root package only declares it, so
// that a webhook can be validated against the server's policy without the
// domain depending on the deliverer.
type URLPolicy interface {
	// CheckURL returns why u may not be called, or "" if it may.
	CheckURL(u *url.URL) string
}

// Validate reports every invalid field of a new webhook, its URL checked
// for its form only. The API and the pages use ValidateFor, which also
// checks the address; the store, which cannot know the server's policy,
// uses Validate.
func (w *Webhook) Validate() error { return w.validate(nil) }

// ValidateFor reports every invalid field of a new webhook, refusing a URL
// whose host policy does not allow (see notify.AddressPolicy.CheckURL).
func (w *Webhook) ValidateFor(policy URLPolicy) error { return w.validate(policy) }

func (w *Webhook) validate(policy URLPolicy) error {
	var p Problems
	events := WebhookEvents()
	u, err := url.Parse(w.URL)
	switch {
	case strings.TrimSpace(w.URL) == "":
		p.Add("url", "is required")
	case len(w.URL) > 2000:
		p.Add("url", "must be at most 2000 characters")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil:
		p.Add("url", "must be an absolute http or https URL without credentials")
	case policy != nil:
		if msg := policy.CheckURL(u); msg != "" {
			p.Add("url", "%s", msg)
		}
	}
	if len(w.Events) == 0 {
		p.Add("events", "subscribe to at least one of %s", strings.Join(events, ", "))
	}
	for _, e := range w.Events {
		if !slices.Contains(events, e) {
			p.Add("events", "%q is not one of %s", e, strings.Join(events, ", "))
		}
	}
	return p.Err("webhook")
}

// Subscribes reports whether w receives event.
func (w *Webhook) Subscribes(event string) bool { return w.Active && slices.Contains(w.Events, event) }
