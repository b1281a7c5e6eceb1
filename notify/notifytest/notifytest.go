// Package notifytest provides the receivers that notification tests deliver
// to: a minimal SMTP server on the loopback interface and a webhook
// receiver that checks signatures. Both record what they got so that a test
// can count each message by its id.
package notifytest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kakehashi/kakehashi/notify"
)

// FreeAddr returns a loopback address on which nothing listens (a port
// taken and released again), for a relay that is down.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Mail is one message an SMTP server accepted.
type Mail struct {
	From      string
	To        []string
	MessageID string
	Header    mail.Header
	Body      string
}

// SMTPServer speaks enough SMTP for net/smtp: greeting, EHLO/HELO, MAIL,
// RCPT, DATA, RSET, NOOP and QUIT, without TLS or authentication.
type SMTPServer struct {
	Addr string
	ln   net.Listener
	mu   sync.Mutex
	mail []Mail
	wg   sync.WaitGroup
}

// StartSMTP listens on addr ("127.0.0.1:0" for any port) until the test
// ends or Close is called.
func StartSMTP(t testing.TB, addr string) *SMTPServer {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("SMTP test server: %v", err)
	}
	s := &SMTPServer{Addr: ln.Addr().String(), ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.session(c)
			}()
		}
	}()
	t.Cleanup(s.Close)
	return s
}

// Close stops listening and waits for open sessions to end.
func (s *SMTPServer) Close() {
	s.ln.Close()
	s.wg.Wait()
}

// accept records an accepted message.
func (s *SMTPServer) accept(m Mail) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mail = append(s.mail, m)
}

// Mail returns the messages accepted so far.
func (s *SMTPServer) Mail() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// ByMessageID counts the accepted messages by Message-ID.
func (s *SMTPServer) ByMessageID() map[string]int {
	out := map[string]int{}
	for _, m := range s.Mail() {
		out[m.MessageID]++
	}
	return out
}

func (s *SMTPServer) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	reply := func(line string) bool {
		_, err := io.WriteString(c, line+"\r\n")
		return err == nil
	}
	reply("220 notifytest ESMTP")
	var cur Mail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			reply("250 notifytest")
		case "MAIL":
			cur = Mail{From: addrOf(arg)}
			reply("250 OK")
		case "RCPT":
			cur.To = append(cur.To, addrOf(arg))
			reply("250 OK")
		case "DATA":
			if cur.From == "" || len(cur.To) == 0 {
				reply("503 need MAIL and RCPT first")
				continue
			}
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.TrimRight(l, "\r\n") == "." {
					break
				}
				b.WriteString(strings.TrimPrefix(l, ".")) // undo dot-stuffing
			}
			msg, err := mail.ReadMessage(strings.NewReader(b.String()))
			if err != nil {
				reply("554 unparsable message")
				continue
			}
			body, _ := io.ReadAll(msg.Body)
			cur.Header, cur.Body, cur.MessageID = msg.Header, string(body), msg.Header.Get("Message-ID")
			s.accept(cur)
			cur = Mail{}
			reply("250 OK queued")
		case "RSET":
			cur = Mail{}
			reply("250 OK")
		case "NOOP":
			reply("250 OK")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

func addrOf(arg string) string {
	if i, j := strings.Index(arg, "<"), strings.Index(arg, ">"); i >= 0 && j > i {
		return arg[i+1 : j]
	}
	return arg
}

// Call is one webhook request a Receiver accepted.
type Call struct {
	Delivery int64
	Event    string
	Body     string
}

// Receiver is a webhook endpoint. While down it answers 503; up, it checks
// each request's signature against the secret of its webhook (by URL path)
// and records it.
type Receiver struct {
	*httptest.Server
	down    atomic.Bool
	mu      sync.Mutex
	secrets map[string]string
	calls   []Call
	// BadSignatures counts requests whose signature did not verify.
	BadSignatures atomic.Int64
	// Refused counts requests answered 503 while down.
	Refused atomic.Int64
}

// StartReceiver starts a Receiver, up.
func StartReceiver(t testing.TB) *Receiver {
	rc := &Receiver{secrets: map[string]string{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

// SetDown makes the receiver refuse (true) or accept (false) calls.
func (rc *Receiver) SetDown(down bool) { rc.down.Store(down) }

// Expect registers the secret of the webhook whose URL ends in path.
func (rc *Receiver) Expect(path, secret string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secrets[path] = secret
}

// secret returns the secret expected of the webhook at path.
func (rc *Receiver) secret(path string) string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.secrets[path]
}

// record keeps an accepted call.
func (rc *Receiver) record(c Call) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls = append(rc.calls, c)
}

// Calls returns the accepted calls.
func (rc *Receiver) Calls() []Call {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Call(nil), rc.calls...)
}

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	if rc.down.Load() {
		rc.Refused.Add(1)
		http.Error(w, "down for the test", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !notify.Verify(rc.secret(r.URL.Path), body, r.Header.Get("X-Kakehashi-Signature")) {
		rc.BadSignatures.Add(1)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	id, _ := strconv.ParseInt(r.Header.Get("X-Kakehashi-Delivery"), 10, 64)
	rc.record(Call{Delivery: id, Event: r.Header.Get("X-Kakehashi-Event"), Body: string(body)})
	w.WriteHeader(http.StatusNoContent)
}
