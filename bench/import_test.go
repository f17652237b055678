package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
)

// importCSV generates a donor list of n rows: realistic addresses and
// names in English and Chinese, one to three tags, consent times spread
// over three years.
func importCSV(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	first := []string{"Ann", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jamal", "Kate", "Liam", "Maya", "Noah", "Olu", "Priya"}
	last := []string{"Lee", "Okafor", "Smith", "Garcia", "Nguyen", "Kowalski", "Haddad", "Murphy", "Tanaka", "Silva", "Brown", "Cohen"}
	zhFamily := []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"}
	zhGiven := []string{"芳", "伟", "娜", "敏", "静", "强", "磊", "洋", "艳", "军", "杰", "婷"}
	domains := []string{"gmail.com", "outlook.com", "qq.com", "163.com", "yahoo.com", "proton.me", "example.org"}
	tags := []string{"donor", "monthly", "volunteer", "board", "north", "south", "east", "west", "newsletter", "gala-2024"}
	var b bytes.Buffer
	b.WriteString("address,name,language,tags,consent\n")
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		var name, lang string
		if rng.IntN(3) == 0 {
			name, lang = zhFamily[rng.IntN(len(zhFamily))]+zhGiven[rng.IntN(len(zhGiven))], "zh"
		} else {
			name, lang = first[rng.IntN(len(first))]+" "+last[rng.IntN(len(last))], "en"
		}
		k := 1 + rng.IntN(3)
		var t string
		for j := range k {
			if j > 0 {
				t += ";"
			}
			t += tags[rng.IntN(len(tags))]
		}
		consent := start.Add(time.Duration(rng.IntN(3*365*24)) * time.Hour).Format("2006-01-02 15:04")
		fmt.Fprintf(&b, "%s.%d@%s,%s,%s,%s,%s\n", last[i%len(last)], i, domains[i%len(domains)], name, lang, t, consent)
	}
	return b.Bytes()
}

// BenchmarkImport100k imports 100,000 followers from CSV into an empty
// account: "preview" is reading the upload, classifying every row and
// storing the file (what the upload does); "apply" writes the followers,
// their tags and follow events in one transaction; "reimport" previews the
// same file again against the 100,000 followers it created.
func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	data := importCSV(n)
	for _, db := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", apptest.SQLiteURL}, {"postgres", apptest.PostgresURL}} {
		b.Run(db.name, func(b *testing.B) {
			a := apptest.Start(b, db.url(b))
			f := apptest.Seed(b, a)
			owner := f.Member(models.RoleOwner)
			ctx := context.Background()
			account := 0
			newAccount := func(b *testing.B) *models.Account {
				account++
				acct, err := a.Accounts.CreateAccount(ctx, owner, models.AccountInput{
					Handle: fmt.Sprintf("donors%d", account), Name: "Donors", Category: "charity", Languages: []string{"en", "zh"},
				})
				if err != nil {
					b.Fatal(err)
				}
				return acct
			}
			create := func(b *testing.B, acct *models.Account, want int) *follower.Import {
				p, err := a.Followers.CreateImport(ctx, owner, acct, "donors.csv", data)
				if err != nil {
					b.Fatal(err)
				}
				if p.Counts.Total != n || p.Counts.New != want {
					b.Fatalf("preview: %+v", p.Counts)
				}
				return p.Import
			}
			b.Run("preview", func(b *testing.B) {
				acct := newAccount(b)
				for b.Loop() {
					create(b, acct, n)
				}
			})
			var full *models.Account
			b.Run("apply", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					full = newAccount(b)
					imp := create(b, full, n)
					b.StartTimer()
					counts, err := a.Followers.ApplyImport(ctx, owner, full, imp)
					if err != nil {
						b.Fatal(err)
					}
					if counts.New != n {
						b.Fatalf("applied: %+v", counts)
					}
				}
			})
			b.Run("reimport", func(b *testing.B) {
				for b.Loop() {
					create(b, full, 0)
				}
			})
		})
	}
}
