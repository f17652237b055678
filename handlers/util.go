package handlers

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/models"
)

func inviteURL(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + "/invite/" + token
}

// parseID reads a numeric path parameter; anything else is a 404.
func parseID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// AddressKey is the rate-limit key for an e-mail address someone typed:
// prefix and a hash of the address, so the rate_limits table (kept for
// its window, shared by every instance) never holds an address, and a huge
// or garbled input cannot overflow the key.
func AddressKey(prefix, typed string) string {
	email, ok := models.NormalizeEmail(typed)
	if !ok {
		email = typed
	}
	return prefix + auth.HashToken(email)
}
