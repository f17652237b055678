package handlers

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
)

// ctxKey is the key of one value that middleware puts in the request's
// context for the handlers after it. Its type parameter is the value's
// type, so setValue and the accessors below cannot store or read anything
// else under it, and being unexported, no other package can collide with
// it (echo's own c.Set store is keyed by bare strings).
type ctxKey[T any] uint8

// Each key has a distinct number: two keys of one value type (the studio's
// member and the API's) are different keys.
const (
	keyUser          ctxKey[*models.User]          = iota // pageEnv; absent for visitors
	keyMember        ctxKey[*models.Member]        = iota // studio.loadMember
	keyStudioAccount ctxKey[*models.Account]       = iota // studio.loadAccount
	keyPublicAccount ctxKey[*models.PublicAccount] = iota // loadPublicAccount
	keyAPIMember     ctxKey[*models.Member]        = iota // apiArea.authenticate
	keyAPIToken      ctxKey[*apitoken.Token]       = iota // apiArea.authenticate
	keyCause         ctxKey[error]                 = iota // setCause
)

func (k ctxKey[T]) String() string {
	var zero T
	return fmt.Sprintf("request value %d (%T)", uint8(k), zero)
}

// setValue puts v in the request's context under k.
func setValue[T any](c echo.Context, k ctxKey[T], v T) {
	req := c.Request()
	c.SetRequest(req.WithContext(context.WithValue(req.Context(), k, v)))
}

// value reads the value under k, and whether it is there.
func value[T any](c echo.Context, k ctxKey[T]) (T, bool) {
	v, ok := c.Request().Context().Value(k).(T)
	return v, ok
}

// mustValue reads a value that the route's middleware always sets. A
// route that reaches it without that middleware is a wiring mistake: it
// panics, which recoverPanic answers with a 500 and logRequests logs.
func mustValue[T any](c echo.Context, k ctxKey[T]) T {
	v, ok := value(c, k)
	if !ok {
		panic(fmt.Sprintf("handlers: route %s %s reads %s, which its middleware did not set", c.Request().Method, c.Path(), k))
	}
	return v
}

// currentUser is the signed-in user, or nil for a visitor.
func currentUser(c echo.Context) *models.User {
	u, _ := value(c, keyUser)
	return u
}

// member is the signed-in user's membership of the studio's :org.
func member(c echo.Context) *models.Member { return mustValue(c, keyMember) }

// studioAccount is the studio's :handle account, one of member's
// organization.
func studioAccount(c echo.Context) *models.Account { return mustValue(c, keyStudioAccount) }

// publicAccount is the account of a citizen's page under /@:handle.
func publicAccount(c echo.Context) *models.PublicAccount { return mustValue(c, keyPublicAccount) }

// apiMember is the organization an API token acts for.
func apiMember(c echo.Context) *models.Member { return mustValue(c, keyAPIMember) }

// apiToken is the API request's token.
func apiToken(c echo.Context) *apitoken.Token { return mustValue(c, keyAPIToken) }

// setCause records why a handler answered with an error status it wrote
// itself, for the request log.
func setCause(c echo.Context, err error) { setValue(c, keyCause, err) }

// causeOf is the error setCause recorded, if any.
func causeOf(c echo.Context) (error, bool) { return value(c, keyCause) }
