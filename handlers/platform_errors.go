package handlers

import (
	"log/slog"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/redact"
)

// platformProblem logs a failed call to a chat platform or receiver, its
// details redacted, and returns what staff are shown instead: a message
// key (with its arguments) saying why in a few words and what to do next.
// The platform's own error never reaches a page: it can hold the URL of
// the call, with an AppSecret or token in it.
func platformProblem(log *slog.Logger, c echo.Context, what string, err error) (string, []any) {
	key, args := bridge.ReasonOf(err, "platform.failed")
	if log != nil {
		log.Warn(what+" failed", "path", c.Path(), "reason", key, "err", redact.Error(err))
	}
	return key, args
}
