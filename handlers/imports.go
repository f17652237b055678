package handlers

import "github.com/labstack/echo/v4"

// registerImports adds its routes to the organization's studio group g; the
// handlers may use the studio's dependencies.
func registerImports(g *echo.Group, s *studio) {}
