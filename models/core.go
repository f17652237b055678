package models

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/database"
)

// Core is what a domain package under models/ (models/apitoken, and the
// ones that follow it) needs to reach the database the way Store does: the
// connection, bound to a transaction inside Tx; the dialect, for SQL that
// differs; the clock; and the audit log, so an audit entry lands in the
// transaction of the change it records. A domain service holds a Core
// and writes only its own tables through it; rows of other domains it
// reads through their services, and the shared rules (Member, Require,
// ErrNotFound, ErrForbidden, ValidationError, Page) are this package's
// exported names.
//
// Store embeds the Core it was built with, so store.Core is the one to
// hand a domain service: the two then share the database and the clock.
// The zero Core is not usable.
type Core struct {
	db      *gorm.DB
	dialect database.Dialect
	now     func() time.Time
}

// Conn is the connection bound to ctx (and, inside Tx, to the
// transaction).
func (c Core) Conn(ctx context.Context) *gorm.DB { return c.db.WithContext(ctx) }

// Now is the clock, in UTC.
func (c Core) Now() time.Time { return c.now().UTC() }

// Dialect says which database the core is on.
func (c Core) Dialect() database.Dialect { return c.dialect }

// Tx runs fn in one transaction with a core bound to it. As with
// Store.Tx, fn must write through tx only: on SQLite the transaction
// holds the one write connection, so a write through the outer core
// would wait for it and fail with ErrBusy.
func (c Core) Tx(ctx context.Context, fn func(tx Core) error) error {
	return c.Conn(ctx).Transaction(func(g *gorm.DB) error {
		tx := c
		tx.db = g
		return fn(tx)
	})
}

// NotFound wraps err with what was looked up, as ErrNotFound when the
// row does not exist, so domain packages answer a missing row the way
// Store does.
func NotFound(err error, what string) error { return notFound(err, what) }

// IsUniqueViolation reports whether err is a unique key's conflict, so
// domain packages tell a taken name from a failure the way Store does.
func IsUniqueViolation(err error) bool { return isUniqueViolation(err) }

// CleanText drops what a database or a browser should never get from a
// form (invalid UTF-8, control characters but line breaks and tabs) and
// trims, as Store does with every text it stores.
func CleanText(s string) string { return cleanText(s) }
