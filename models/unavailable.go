package models

import "github.com/plazahq/plaza/database"

// Unavailable reports whether err means the database cannot serve the
// request now (it is unreachable, restarting, busy, out of space or
// read-only; ErrBusy included) rather than that the request was wrong:
// the answer is then "try again in a moment". Callers ask models, not the
// database layer, which driver's errors mean that.
func Unavailable(err error) bool { return database.Unavailable(err) }
