package models

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/plazahq/plaza/database"
)

// Statement is one SQL statement and its arguments, written with the
// dialect's placeholders, for the few statements on hot paths that go to
// database/sql without gorm (Core.Query). gorm's Raw costs more than a
// short statement's round trip under load: it builds a Statement, walks
// every argument (AddVar) and scans through reflection, and Raw(…).Scan
// also formats the whole statement with its arguments for its logger
// even when logging is off.
type Statement struct {
	text     strings.Builder
	args     []any
	numbered bool // PostgreSQL's $1, $2 …; SQLite takes ?
}

// Statement starts a statement in c's dialect.
func (c Core) Statement() *Statement {
	return &Statement{numbered: c.dialect == database.Postgres}
}

// SQL appends text to the statement.
func (s *Statement) SQL(text string) *Statement {
	s.text.WriteString(text)
	return s
}

// Arg appends a placeholder for v.
func (s *Statement) Arg(v any) *Statement {
	s.args = append(s.args, v)
	if s.numbered {
		s.text.WriteByte('$')
		s.text.WriteString(strconv.Itoa(len(s.args)))
	} else {
		s.text.WriteByte('?')
	}
	return s
}

// Args appends placeholders for vs, separated by commas.
func (s *Statement) Args(vs ...any) *Statement {
	for i, v := range vs {
		if i > 0 {
			s.text.WriteString(", ")
		}
		s.Arg(v)
	}
	return s
}

// String is the statement's text.
func (s *Statement) String() string { return s.text.String() }

// Query runs st and returns its rows, which the caller closes. Inside Tx
// it runs in the transaction; outside, on the pool writes go through (on
// SQLite the one write connection, held until the rows are closed), so
// it is meant for writes that return rows and reads that must see them.
func (c Core) Query(ctx context.Context, st *Statement) (*sql.Rows, error) {
	if tx, ok := database.SQLTx(c.db); ok {
		return tx.QueryContext(ctx, st.String(), st.args...)
	}
	return c.db.Statement.ConnPool.QueryContext(ctx, st.String(), st.args...)
}

// QueryEach runs st and calls scan for each row with the row's Scan,
// closing the rows after the last or at the first error.
func (c Core) QueryEach(ctx context.Context, st *Statement, scan func(func(dest ...any) error) error) error {
	rows, err := c.Query(ctx, st)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
