package handlers

import (
	"fmt"
	"io"
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

// readUpload reads the file of a multipart field, up to limit bytes (and
// one more, so the model can tell it is too big). No file is no data, for
// the model to say one is needed; a file declared larger than limit is
// refused before it is read.
func readUpload(c echo.Context, field string, limit int64) (string, []byte, error) {
	fh, err := c.FormFile(field)
	if err != nil {
		return "", nil, nil
	}
	if fh.Size > limit {
		return fh.Filename, nil, models.FieldError(field, "projects.err_doc_too_big")
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", nil, fmt.Errorf("read upload: %w", err)
	}
	return fh.Filename, data, nil
}
