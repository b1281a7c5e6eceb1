package auth

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the networks of the reverse proxies whose X-Forwarded-For
// header the server believes. Without them the client address is the TCP
// peer: behind a proxy every client would share the proxy's address, and
// so one sign-in limit.
//
// Proxies is a flag.Value: a comma-separated list of addresses and CIDR
// networks.
type Proxies []netip.Prefix

// Set replaces the list with the comma-separated addresses and networks of
// s, refusing one that is neither.
func (p *Proxies) Set(s string) error {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			pre, err := netip.ParsePrefix(f)
			if err != nil {
				return fmt.Errorf("%q is not a CIDR network such as 10.0.0.0/8", f)
			}
			out = append(out, pre.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return fmt.Errorf("%q is not an IP address or a CIDR network", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	*p = out
	return nil
}

// String lists the networks, comma-separated.
func (p Proxies) String() string {
	s := make([]string, len(p))
	for i, pre := range p {
		s[i] = pre.String()
	}
	return strings.Join(s, ",")
}

func (p Proxies) trusts(a netip.Addr) bool {
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the address r came from. It is the TCP peer, unless the
// peer is a trusted proxy: then the hops of X-Forwarded-For are walked from
// the right (the most recent), skipping trusted proxies, and the first
// untrusted one is the client. Entries further left were written by the
// client itself and prove nothing. An entry that is not an address stops
// the walk at the hop that forwarded it.
func (p Proxies) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	client := peer.Unmap()
	if len(p) == 0 || !p.trusts(client) {
		return client.String()
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = hop
		if !p.trusts(hop) {
			break
		}
	}
	return client.String()
}

// parseHop reads one X-Forwarded-For entry: an address, perhaps with a
// port (IPv6 then in brackets).
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

type clientIPKey struct{}

// NewContextWithClientIP returns ctx carrying the client address the server
// resolved for the request (with Proxies.ClientIP).
func NewContextWithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientIPKey{}, ip)
}

// ClientIPFromContext returns the client address stored by
// NewContextWithClientIP, "" if none.
func ClientIPFromContext(ctx context.Context) string {
	ip, _ := ctx.Value(clientIPKey{}).(string)
	return ip
}
