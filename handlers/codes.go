package handlers

import "github.com/labstack/echo/v4"

// registerCodes adds its routes to the organization's studio group g; the
// handlers may use the studio's dependencies.
func registerCodes(g *echo.Group, s *studio) {}
