package handlers

import (
	"fmt"
	"strings"

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
