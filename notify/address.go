package notify

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrAddressNotAllowed is the outcome of a webhook call to an address the
// AddressPolicy refuses. It is all the delivery log says about it, so that
// the log cannot be used to learn which internal hosts and ports answer.
var ErrAddressNotAllowed = errors.New("refused: address not allowed")

// AddressPolicy decides which network addresses webhooks may reach, so that
// an organization's admin cannot make the server call its own loopback
// services, the cloud metadata endpoint or hosts on the private network
// behind it (server-side request forgery). The zero value is the safe
// default: public unicast addresses only.
//
// A webhook's URL is checked when it is created (CheckURL, without DNS),
// and every connection is checked again when it is dialled, against the
// address actually connected to (Client), so that a name resolving to an
// internal address, at creation or only later (DNS rebinding), is refused
// too.
type AddressPolicy struct {
	// AllowLoopback also admits loopback addresses (127.0.0.0/8, ::1) and
	// the name localhost: for tests and for a receiver on the same machine
	// as a single-user server. Private and link-local addresses stay
	// refused.
	AllowLoopback bool
}

// refusedPrefixes are the ranges that are never a webhook receiver, besides
// what netip's own predicates exclude (loopback, private, link-local,
// multicast, unspecified).
var refusedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // carrier-grade NAT
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation
		"192.88.99.0/24",  // 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation
		"203.0.113.0/24",  // documentation
		"240.0.0.0/4",     // reserved, and the broadcast address
		"::/96",           // unspecified, loopback and IPv4-compatible
		"100::/64",        // discard
		"64:ff9b:1::/48",  // local-use NAT64 (RFC 8215): it may reach the private IPv4 network
		"2001::/32",       // Teredo: the IPv4 end is hidden
		"2001:db8::/32",   // documentation
		"fec0::/10",       // deprecated site-local
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Prefixes of IPv6 addresses that carry an IPv4 address, which is checked
// in their stead.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// Allowed reports whether a webhook may connect to a.
func (p AddressPolicy) Allowed(a netip.Addr) bool {
	// A zoned address matches no prefix: drop the zone; an IPv4-mapped
	// IPv6 address is the IPv4 address it maps.
	a = a.WithZone("").Unmap()
	if !a.IsValid() {
		return false
	}
	if a.IsLoopback() {
		return p.AllowLoopback
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64Prefix.Contains(a):
			return AddressPolicy{}.Allowed(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return AddressPolicy{}.Allowed(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	for _, pfx := range refusedPrefixes {
		if pfx.Contains(a) {
			return false
		}
	}
	return a.IsGlobalUnicast() && !a.IsPrivate()
}

// Problems with a webhook's host, as kakehashi.Webhook.ValidateFor reports them.
const (
	msgInternalAddress = "must be a public address: loopback, private, link-local and other internal addresses are refused"
	msgNumericHost     = "must name its host by a domain name or a standard IP address"
)

// CheckURL reports what is wrong with the host of u as a webhook target,
// or "" if nothing is. It does not resolve names: a name is refused only if
// it is localhost or under .localhost (which always mean this machine);
// other names are checked when dialled.
func (p AddressPolicy) CheckURL(u *url.URL) string {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		if !p.Allowed(a) {
			return msgInternalAddress
		}
		return ""
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if !p.AllowLoopback {
			return msgInternalAddress
		}
		return ""
	}
	// No top-level domain is numeric: a host like 2130706433, 0x7f000001,
	// 0177.0.0.1 or 127.1 is an IPv4 address in a form some resolvers
	// accept (inet_aton) and netip does not, so it is not a name either.
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" || strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") {
		return msgNumericHost
	}
	return ""
}

// control is a net.Dialer Control: it refuses a connection to an address
// p does not allow, after name resolution and before connecting.
func (p AddressPolicy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !p.Allowed(ap.Addr()) {
		return ErrAddressNotAllowed
	}
	return nil
}

// Client returns an HTTP client for webhook calls under p: each connection
// is checked where it is dialled, no proxy from the environment is used
// (the check would then apply to the proxy, not to the receiver), and no
// redirect is followed (a webhook answers for itself: a 3xx is a failed
// delivery).
func (p AddressPolicy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: p.control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
