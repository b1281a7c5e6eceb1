// Package notify delivers Kakehashi's outgoing notifications: e-mail through
// an SMTP relay and webhooks signed with HMAC-SHA256. Both wait in the
// store's outbox, written in the same transaction as the change they
// report, so that nothing is lost while a relay or a receiver is down; a
// Deliverer claims due messages under a lease (so that two replicas never
// send one message twice), sends them, retries failures with exponential
// back-off, and logs every attempt.
//
// The types here are what the store keeps; sqlstore implements Store.
package notify

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// Outbox channels.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// Webhook events.
const (
	EventIntroductionCreated    = "introduction.created"
	EventIntroductionTransition = "introduction.transition"
	EventMessageCreated         = "message.created"
)

// Events lists every webhook event.
var Events = []string{EventIntroductionCreated, EventIntroductionTransition, EventMessageCreated}

// Message is one outgoing e-mail or webhook call waiting in the outbox.
type Message struct {
	ID      int64
	Channel string
	// Recipient is an e-mail address, or a webhook's id.
	Recipient string
	// Subject and Body are an e-mail's; Link is relative to the site
	// (e.g. /introductions/7) and made absolute when sent.
	Subject, Body, Link string
	// Event names what happened; Payload is a webhook's JSON body.
	Event     string
	Payload   string
	Attempts  int
	CreatedAt time.Time
	// Webhook is the target of a webhook message, nil if it was removed.
	Webhook *Webhook
	// Claim identifies the lease under which the message was claimed.
	Claim string
}

// Attempt is the outcome of one try at sending a message.
type Attempt struct {
	At time.Time
	OK bool
	// Status is the HTTP status of a webhook call (0 on a network error).
	Status int
	Detail string
	// NextAttemptAt is when to try again after a failure; GiveUp marks the
	// message failed for good instead.
	NextAttemptAt time.Time
	GiveUp        bool
}

// Delivery is one logged attempt.
type Delivery struct {
	ID       int64     `json:"id"`
	OutboxID int64     `json:"outbox_id"`
	Event    string    `json:"event"`
	Attempt  int       `json:"attempt"`
	At       time.Time `json:"at"`
	OK       bool      `json:"ok"`
	Status   int       `json:"status,omitempty"`
	Detail   string    `json:"detail,omitempty"`
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

// Validate reports every invalid field of a new webhook, its URL checked
// for its form only. The API and the pages use ValidateFor, which also
// checks the address; the store, which cannot know the server's policy,
// uses Validate.
func (w *Webhook) Validate() error { return w.validate(nil) }

// ValidateFor reports every invalid field of a new webhook, refusing a URL
// whose host policy does not allow (see AddressPolicy.CheckURL).
func (w *Webhook) ValidateFor(policy AddressPolicy) error { return w.validate(&policy) }

func (w *Webhook) validate(policy *AddressPolicy) error {
	var p kakehashi.Problems
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
		p.Add("events", "subscribe to at least one of %s", strings.Join(Events, ", "))
	}
	for _, e := range w.Events {
		if !slices.Contains(Events, e) {
			p.Add("events", "%q is not one of %s", e, strings.Join(Events, ", "))
		}
	}
	return p.Err("webhook")
}

// Subscribes reports whether w receives event.
func (w *Webhook) Subscribes(event string) bool { return w.Active && slices.Contains(w.Events, event) }

// Store is the outbox as a Deliverer uses it.
type Store interface {
	// ClaimOutbox leases up to n messages of the given channels due at now
	// for lease, so that no other deliverer takes them meanwhile.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, n int, channels ...string) ([]*Message, error)
	// RecordAttempt logs an attempt at m and, if m's lease is still held,
	// marks it sent, failed or due again.
	RecordAttempt(ctx context.Context, m *Message, a Attempt) error
}

// Alert is a user's standing request to hear about new seeds that match one
// of the needs they may see.
type Alert struct {
	ID        int64 `json:"id"`
	UserID    int64 `json:"user_id"`
	ListingID int64 `json:"listing_id"`
	// LastSeq is the highest listing id already considered.
	LastSeq   int64     `json:"last_seq"`
	CreatedAt time.Time `json:"created_at"`
}

// AlertMatcher finds the seeds that match a need for viewer. SeedMatcher
// implements it with the search engine; the store only calls it, so that
// it does not depend on search.
type AlertMatcher interface {
	MatchingSeeds(ctx context.Context, need *kakehashi.Listing, viewer *kakehashi.User) ([]int64, error)
}
