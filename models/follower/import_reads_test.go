package follower_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/followerimport"
	"github.com/plazahq/plaza/models/org"
)

// Tests that applying an import reads only the followers in its file, with the query recorder they use.

// followerReads watches what the store reads from the followers table: it
// sits between gorm and the database, and runs each SELECT that mentions
// followers once more on its own to count the rows it returns and note
// every text value in them.
type followerReads struct {
	mu     sync.Mutex
	rows   int
	values map[string]bool
}

func (r *followerReads) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows, r.values = 0, map[string]bool{}
}

func (r *followerReads) record(ctx context.Context, pool gorm.ConnPool, query string, args []any) error {
	rows, err := pool.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		r.rows++
		for _, v := range vals {
			switch v := v.(type) {
			case string:
				r.values[v] = true
			case []byte:
				r.values[string(v)] = true
			}
		}
	}
	return rows.Err()
}

// readPool is a connection pool, or a transaction, whose reads of
// followers are recorded.
type readPool struct {
	gorm.ConnPool
	reads *followerReads
}

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q := strings.TrimSpace(query); strings.HasPrefix(strings.ToUpper(q), "SELECT") && strings.Contains(q, "followers") {
		if err := p.reads.record(ctx, p.ConnPool, query, args); err != nil {
			return nil, err
		}
	}
	return p.ConnPool.QueryContext(ctx, query, args...)
}

// BeginTx begins on the pool underneath: a *sql.DB, or on SQLite the pool
// of the write connection, whose transactions are a gorm.ConnPool of its
// own.
func (p readPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	var tx gorm.ConnPool
	switch b := p.ConnPool.(type) {
	case gorm.TxBeginner:
		sqlTx, err := b.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		tx = sqlTx
	case gorm.ConnPoolBeginner:
		var err error
		if tx, err = b.BeginTx(ctx, opts); err != nil {
			return nil, err
		}
	default:
		return nil, gorm.ErrInvalidTransaction
	}
	c, ok := tx.(gorm.TxCommitter)
	if !ok {
		return nil, gorm.ErrInvalidTransaction
	}
	return &readTx{readPool{tx, p.reads}, c}, nil
}

type readTx struct {
	readPool
	tx gorm.TxCommitter
}

// gorm needs a pointer here: it asks whether the transaction is nil.
func (t *readTx) Commit() error { return t.tx.Commit() }

func (t *readTx) Rollback() error { return t.tx.Rollback() }

// TestImportLoadsOnlyTheFilesFollowers previews and applies a file of 750
// existing followers, one new and one who left, against an account of
// 1,501 followers: only the followers the file names are read from the
// database, never the other 750, and the outcomes are those of comparing
// with every follower. 750 addresses take two statements on SQLite.
func TestImportLoadsOnlyTheFilesFollowers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newImportWorld(t, dbURL)
		a, ctx := w.a, w.ctx
		acct := w.f.Account.ID
		const n = 1500
		tagsOf := func(i int) string { return []string{"", "donor", "donor;north"}[i%3] }
		var all strings.Builder
		all.WriteString(importHeader)
		for i := range n {
			fmt.Fprintf(&all, "p%04d@example.org,Person %d,en,%s,2024-01-01\n", i, i, tagsOf(i))
		}
		seeded := w.create(t, all.String())
		if _, err := a.Followers.ApplyImport(ctx, w.staff, w.f.Account, seeded.Import); err != nil {
			t.Fatal(err)
		}
		w.seed(t, "left@example.org", "Left", "en", models.StatusUnsubscribed, "donor")

		// The file names every other follower, renaming half of them.
		var file strings.Builder
		file.WriteString(importHeader)
		inFile := map[string]bool{"left@example.org": true, "new@example.org": true}
		maxRows := 1 + 1 // left@example.org and its tag
		want := followerimport.Counts{Total: 753, New: 1, Rejected: 2}
		for i := 0; i < n; i += 2 {
			name := fmt.Sprintf("Person %d", i)
			if i%4 == 2 {
				name += " Renamed"
				want.Update++
			} else {
				want.Unchanged++
			}
			addr := fmt.Sprintf("p%04d@example.org", i)
			fmt.Fprintf(&file, "%s,%s,en,%s,2024-01-01\n", addr, name, tagsOf(i))
			inFile[addr] = true
			maxRows += 1 + i%3 // the follower and its tags
		}
		file.WriteString("new@example.org,New,en,,2024-01-01\nleft@example.org,Left,en,,2024-01-01\nbad address,Bad,en,,2024-01-01\n")

		reads := &followerReads{}
		g := a.DB.Gorm.Session(&gorm.Session{NewDB: true, Context: ctx})
		g.Statement.ConnPool = readPool{g.Statement.ConnPool, reads}
		store := models.NewStore(&database.DB{Gorm: g, SQL: a.DB.SQL, Read: a.DB.Read, Dialect: a.DB.Dialect}, nil)
		fol := follower.New(store.Core, nil, store.Limits(), struct {
			*models.Store
			*org.Service
		}{store, org.New(store.Core)}, store, nil, nil)
		check := func(step string) {
			t.Helper()
			if reads.rows == 0 {
				t.Fatalf("%s: no follower was read, so the check proves nothing", step)
			}
			if reads.rows > maxRows {
				t.Errorf("%s read %d rows of followers and tags; the file's followers have %d", step, reads.rows, maxRows)
			}
			var outside []string
			for v := range reads.values {
				if strings.Contains(v, "@") && !inFile[v] {
					outside = append(outside, v)
				}
			}
			if len(outside) > 0 {
				slices.Sort(outside)
				t.Fatalf("%s read %d followers the file does not name, e.g. %v", step, len(outside), outside[:min(3, len(outside))])
			}
		}

		reads.reset()
		p, err := fol.CreateImport(ctx, w.staff, w.f.Account, "donors.csv", []byte(file.String()))
		if err != nil {
			t.Fatal(err)
		}
		check("the upload's preview")
		if p.Counts != want {
			t.Fatalf("preview %+v, want %+v", p.Counts, want)
		}
		got := outcomes(p)
		for k, v := range map[string]string{
			"2 p0000@example.org":   "unchanged",
			"3 p0002@example.org":   "update name",
			"750 p1496@example.org": "unchanged",
			"751 p1498@example.org": "update name",
			"752 new@example.org":   "new",
			"753 left@example.org":  "rejected import.reason.unsubscribed",
			"754 bad address":       "rejected import.reason.address",
		} {
			if got[k] != v {
				t.Errorf("row %s: %q, want %q", k, got[k], v)
			}
		}
		for _, r := range p.Rows {
			if r.Outcome == followerimport.OutcomeUpdate || r.Outcome == followerimport.OutcomeUnchanged {
				var i int
				fmt.Sscanf(r.Address, "p%04d@", &i)
				if wantTags := strings.Split(tagsOf(i), ";"); r.Old == nil || r.Old.Name != fmt.Sprintf("Person %d", i) ||
					strings.Join(r.Old.Tags, ";") != strings.Join(wantTags, ";") {
					t.Fatalf("row %d compared with %+v", r.Line, r.Old)
				}
			}
		}

		reads.reset()
		again, err := fol.PreviewImport(ctx, w.staff, w.f.Account, p.Import)
		if err != nil {
			t.Fatal(err)
		}
		check("the preview page")
		if fmt.Sprint(outcomes(again)) != fmt.Sprint(got) {
			t.Fatal("the preview page differs from the upload's preview")
		}

		reads.reset()
		before := dump(t, a, acct)
		counts, err := fol.ApplyImport(ctx, w.staff, w.f.Account, p.Import)
		if err != nil {
			t.Fatal(err)
		}
		check("the apply")
		if counts != want {
			t.Fatalf("applied %+v, want %+v", counts, want)
		}
		if d := diff(before, dump(t, a, acct)); len(d) != want.Update+want.New {
			t.Fatalf("the apply changed %d followers, want %d", len(d), want.Update+want.New)
		}
		if f, _ := followerByAddr(a, acct, "p0002@example.org"); f.Name != "Person 2 Renamed" || strings.Join(f.Tags, ";") != tagsOf(2) {
			t.Fatalf("renamed follower: %+v", f)
		}
	})
}
