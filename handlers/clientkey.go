package handlers

import (
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// clientKey is the identity rate limits and report counts give a client
// address: an IPv4 address as it is, an IPv6 address cut to its /64. A
// subscriber is handed a whole /64 (often more), so keying on the full
// IPv6 address would give one person 2^64 fresh identities.
func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		// Not an address (a misconfigured proxy): still one key, bounded
		// and storable.
		if len(ip) > 64 {
			ip = ip[:64]
		}
		return strings.ToValidUTF8(ip, "?")
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}

// clientOf is the rate-limit identity of the request's client, as the
// trusted proxies name it.
func clientOf(c echo.Context) string { return clientKey(c.RealIP()) }
