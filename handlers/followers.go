package handlers

import "github.com/labstack/echo/v4"

// registerFollowers adds its routes to the organization's studio group g; the
// handlers may use the studio's dependencies.
func registerFollowers(g *echo.Group, s *studio) {}
