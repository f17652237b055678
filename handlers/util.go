package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/auth"
	"github.com/plazahq/plaza/models"
)

func orgURL(m *models.Member, rest string) string {
	return fmt.Sprintf("/studio/orgs/%d%s", m.Org.ID, rest)
}

func inviteURL(baseURL, token string) string {
	return strings.TrimRight(baseURL, "/") + "/invite/" + token
}

func splitComma(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// parseID reads a numeric path parameter; anything else is a 404.
func parseID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// addressKey is the rate-limit key for an e-mail address someone typed. A
// valid address is at most 254 characters and is used as it is; anything
// else is hashed, so a huge or garbled input cannot overflow the key.
func addressKey(prefix, typed string) string {
	if email, ok := models.NormalizeEmail(typed); ok {
		return prefix + email
	}
	return prefix + "invalid:" + auth.HashToken(typed)
}
