package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

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
