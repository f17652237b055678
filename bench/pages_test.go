// Package bench holds Plaza's benchmarks; bench/README.md has the latest
// figures and how to reproduce them.
package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// BenchmarkPublicPages measures the pages citizens hit most, through the
// real HTTP stack (middleware, session lookup, templates) against a
// directory of 500 accounts.
func BenchmarkPublicPages(b *testing.B) {
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", apptest.SQLiteURL}, {"postgres", apptest.PostgresURL}} {
		b.Run(db.name, func(b *testing.B) {
			a := apptest.Start(b, db.url(b))
			f := apptest.Seed(b, a)
			owner := f.Member(models.RoleOwner)
			for i := range 500 {
				_, err := a.Accounts.CreateAccount(context.Background(), owner, models.AccountInput{
					Handle: fmt.Sprintf("acct%03d", i), Name: fmt.Sprintf("Account %d", i),
					Texts: models.Texts("en", "bio", "Bus and tram news for the north district"), Category: "transit", Languages: []string{"en"},
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			client := &http.Client{}
			for _, page := range []string{"/", "/@acct250", "/accounts", "/accounts?q=north&page=3"} {
				b.Run(page, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						res, err := client.Get(a.URL + page)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Fatalf("%s: status %d", page, res.StatusCode)
						}
					}
				})
			}
		})
	}
}
