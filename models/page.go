package models

import "strings"

// DefaultPageSize is how many rows a list shows per page.
const DefaultPageSize = 25

// Page is a 1-based page number with a size.
type Page struct {
	Number int
	Size   int
}

// Limit is the SQL LIMIT of the page.
func (p Page) Limit() int {
	if p.Size <= 0 || p.Size > 200 {
		return DefaultPageSize
	}
	return p.Size
}

// Offset is the SQL OFFSET of the page.
func (p Page) Offset() int {
	if p.Number < 1 {
		return 0
	}
	return (p.Number - 1) * p.Limit()
}

// LikePattern turns user text into a lower-case LIKE pattern that matches
// it anywhere, with LIKE's wildcards taken literally.
func LikePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// LikeExpr is a case-insensitive "contains" condition on col for a
// LikePattern argument; ESCAPE is spelled out because SQLite has no default
// escape character.
func LikeExpr(col string) string { return "LOWER(" + col + ") LIKE ? ESCAPE '\\'" }
