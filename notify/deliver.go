package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kakehashi/kakehashi"
)

// Config tunes a Deliverer; zero values take the defaults.
type Config struct {
	// SMTPAddr is the relay's host:port. Without it e-mails stay queued.
	SMTPAddr string
	// SMTPUser and SMTPPassword, if set, authenticate with PLAIN (which
	// net/smtp sends only over TLS or to localhost).
	SMTPUser, SMTPPassword string
	// From is the sender address (default kakehashi@localhost).
	From string
	// BaseURL makes the links in e-mails absolute, e.g. https://kakehashi.example.
	BaseURL string
	// BatchSize bounds the messages claimed per round (default 50).
	BatchSize int
	// MaxAttempts is how many tries a message gets before it is marked
	// failed (default 12: with the default back-off, about a day and a half).
	MaxAttempts int
	// BackoffBase is the wait after the first failure, doubled after each
	// further one up to BackoffCap (defaults 30s and 6h).
	BackoffBase, BackoffCap time.Duration
	// Lease is how long a claimed message is reserved for this deliverer
	// (default 2m). Sends time out well within it (Timeout, default 30s),
	// so that a message is never sent by two deliverers at once.
	Lease, Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// AllowLoopback lets webhooks reach loopback addresses, for tests and
	// a receiver on the same machine (see AddressPolicy). Webhooks never
	// reach private, link-local or other internal addresses.
	AllowLoopback bool
	Logger        *slog.Logger
}

// Deliverer sends the outbox's messages. Several may run at once, in one
// process or in several replicas: the store's lease keeps them apart.
type Deliverer struct {
	store  Store
	cfg    Config
	log    *slog.Logger
	noSMTP sync.Once
	// policy and client are the webhooks' address policy and the client
	// that enforces it where connections are dialled.
	policy AddressPolicy
	client *http.Client
}

// New returns a Deliverer over store.
func New(store Store, cfg Config) *Deliverer {
	if cfg.From == "" {
		cfg.From = "kakehashi@localhost"
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 50
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 30 * time.Second
	}
	if cfg.BackoffCap <= 0 {
		cfg.BackoffCap = 6 * time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.Lease < 2*cfg.Timeout {
		cfg.Lease = 2 * cfg.Timeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	policy := AddressPolicy{AllowLoopback: cfg.AllowLoopback}
	return &Deliverer{store: store, cfg: cfg, log: cfg.Logger, policy: policy, client: policy.Client(cfg.Timeout)}
}

// Backoff returns the wait after the n-th failed attempt (n ≥ 1):
// BackoffBase doubled n-1 times, at most BackoffCap.
func (d *Deliverer) Backoff(n int) time.Duration {
	wait := d.cfg.BackoffBase
	for i := 1; i < n && wait < d.cfg.BackoffCap; i++ {
		wait *= 2
	}
	return min(wait, d.cfg.BackoffCap)
}

// Result counts what one round did.
type Result struct {
	Sent, Retried, Failed int
}

// RunOnce claims the messages due now, up to the batch size, and tries
// each once. It returns early only if the store fails; a message that
// cannot be sent is rescheduled, not an error.
func (d *Deliverer) RunOnce(ctx context.Context) (Result, error) {
	var r Result
	channels := []string{kakehashi.ChannelEmail, kakehashi.ChannelWebhook}
	if d.cfg.SMTPAddr == "" {
		channels = channels[1:] // e-mails wait for a relay
	}
	msgs, err := d.store.ClaimOutbox(ctx, d.cfg.Now(), d.cfg.Lease, d.cfg.BatchSize, channels...)
	if err != nil {
		return r, fmt.Errorf("claim outbox: %w", err)
	}
	for _, m := range msgs {
		status, err := d.send(ctx, m)
		a := kakehashi.OutboxAttempt{At: d.cfg.Now(), OK: err == nil, Status: status}
		switch {
		case err == nil:
			r.Sent++
		case errors.Is(err, errPermanent) || errors.Is(err, ErrAddressNotAllowed) || m.Attempts+1 >= d.cfg.MaxAttempts:
			a.GiveUp, a.Detail = true, err.Error()
			r.Failed++
			d.log.WarnContext(ctx, "outbox message failed for good", "id", m.ID, "channel", m.Channel, "attempts", m.Attempts+1, "err", err)
		default:
			a.Detail, a.NextAttemptAt = err.Error(), a.At.Add(d.Backoff(m.Attempts+1))
			r.Retried++
			d.log.InfoContext(ctx, "outbox message not delivered; will retry", "id", m.ID, "channel", m.Channel,
				"attempts", m.Attempts+1, "next", a.NextAttemptAt, "err", err)
		}
		if err := d.store.RecordAttempt(ctx, m, a); err != nil {
			return r, fmt.Errorf("record attempt at outbox %d: %w", m.ID, err)
		}
	}
	return r, nil
}

// Run delivers every interval until ctx ends, at once again while rounds
// come back full.
func (d *Deliverer) Run(ctx context.Context, interval time.Duration) {
	if d.cfg.SMTPAddr == "" {
		d.log.Warn("no SMTP relay configured (--smtp-addr): e-mails stay queued in the outbox; webhooks are delivered")
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("deliver outbox", "err", err)
		}
		if err == nil && r.Sent+r.Retried+r.Failed >= d.cfg.BatchSize {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// errPermanent marks failures that a retry cannot fix.
var errPermanent = errors.New("permanent failure")

// send tries m once and returns the HTTP status of a webhook call.
func (d *Deliverer) send(ctx context.Context, m *kakehashi.OutboxMessage) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	switch m.Channel {
	case kakehashi.ChannelEmail:
		return 0, d.sendEmail(ctx, m)
	case kakehashi.ChannelWebhook:
		return d.sendWebhook(ctx, m)
	}
	return 0, fmt.Errorf("%w: unknown channel %q", errPermanent, m.Channel)
}

// MessageID is the Message-ID header of outbox message id: the same on
// every attempt, so that a relay can drop a copy re-sent after a crash
// between sending and recording.
func MessageID(id int64) string { return "<outbox-" + strconv.FormatInt(id, 10) + "@kakehashi>" }

// Email renders m as an RFC 5322 message.
func (d *Deliverer) Email(m *kakehashi.OutboxMessage) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", d.cfg.From)
	h("To", m.Recipient)
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", m.CreatedAt.Format(time.RFC1123Z))
	h("Message-ID", MessageID(m.ID))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "8bit")
	h("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	body := m.Body
	if m.Link != "" {
		body += "\n\n" + d.cfg.BaseURL + m.Link
	}
	body += "\n\n-- \nKakehashi: this message is also in your inbox.\n"
	for _, line := range strings.Split(body, "\n") {
		b.WriteString(strings.TrimRight(line, "\r") + "\r\n")
	}
	return b.Bytes()
}

func (d *Deliverer) sendEmail(ctx context.Context, m *kakehashi.OutboxMessage) error {
	to, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		return fmt.Errorf("%w: recipient %q: %v", errPermanent, m.Recipient, err)
	}
	from, err := mail.ParseAddress(d.cfg.From)
	if err != nil {
		return fmt.Errorf("%w: sender %q: %v", errPermanent, d.cfg.From, err)
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", d.cfg.SMTPAddr)
	if err != nil {
		return fmt.Errorf("connect to SMTP relay: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(d.cfg.SMTPAddr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("SMTP greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return fmt.Errorf("SMTP STARTTLS: %w", err)
		}
	}
	if d.cfg.SMTPUser != "" {
		if err := c.Auth(smtp.PlainAuth("", d.cfg.SMTPUser, d.cfg.SMTPPassword, host)); err != nil {
			return fmt.Errorf("SMTP auth: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("SMTP MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("SMTP RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if _, err := w.Write(d.Email(m)); err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP end of DATA: %w", err)
	}
	// The relay has the message once it accepted the DATA; a failed QUIT
	// does not make it undelivered.
	c.Quit()
	return nil
}

// Sign returns the X-Kakehashi-Signature of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether signature is body's under secret, in constant time.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

func (d *Deliverer) sendWebhook(ctx context.Context, m *kakehashi.OutboxMessage) (int, error) {
	if m.Webhook == nil {
		return 0, fmt.Errorf("%w: the webhook was removed", errPermanent)
	}
	// A webhook stored before its address was checked, or under a looser
	// policy, is refused here; names are checked where they are dialled.
	u, err := url.Parse(m.Webhook.URL)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errPermanent, err)
	}
	if d.policy.CheckURL(u) != "" {
		return 0, ErrAddressNotAllowed
	}
	body := []byte(m.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Kakehashi-Webhook/1")
	req.Header.Set("X-Kakehashi-Event", m.Event)
	req.Header.Set("X-Kakehashi-Delivery", strconv.FormatInt(m.ID, 10))
	req.Header.Set("X-Kakehashi-Signature", Sign(m.Webhook.Secret, body))
	resp, err := d.client.Do(req)
	if errors.Is(err, ErrAddressNotAllowed) {
		// Nothing more: which address a name resolved to, and whether
		// anything listens there, stays out of the delivery log.
		return 0, ErrAddressNotAllowed
	}
	if err != nil {
		return 0, fmt.Errorf("POST webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
