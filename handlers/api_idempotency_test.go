package handlers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/jobs"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/queue"
)

// TestIdempotencyKeyLeaseAndExpiry: a key left "in progress" by an
// instance that crashed is taken over by a retry of the same request once
// its lease has run out, while a claim within its lease still refuses the
// retry; a key older than a day is new again, and housekeeping deletes it.
// The rows are written as a crash (or a day) would leave them.
func TestIdempotencyKeyLeaseAndExpiry(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		a.StartWorkers(t)
		f := apptest.Seed(t, a)
		ctx := context.Background()
		tok, plain, err := a.APITokens.Create(ctx, f.Member(models.RoleOwner), "Ops", apitoken.AllScopes())
		if err != nil {
			t.Fatal(err)
		}
		api := newAPIClient(t, a, plain)
		const path = "/accounts/metro/notices"
		body := `{"kind":"transit","title_en":"Line 12 detour","body_en":"Via Bridge St."}`
		sum := sha256.Sum256([]byte("POST /api/v1" + path + "\n" + body))
		hash := hex.EncodeToString(sum[:])
		now := time.Now().UTC()
		leave := func(key, hash string, status int, response string, claimed time.Time) {
			t.Helper()
			if err := a.DB.Gorm.Exec(`INSERT INTO idempotency_keys (token_id, key, request_hash, status, response, created_at)
				VALUES (?, ?, ?, ?, ?, ?)`, tok.ID, key, hash, status, response, claimed).Error; err != nil {
				t.Fatal(err)
			}
		}
		leave("crashed", hash, 0, "", now.Add(-apitoken.IdempotencyLease-time.Second))
		leave("running", hash, 0, "", now.Add(-10*time.Second))
		leave("crashed-other", "another request", 0, "", now.Add(-apitoken.IdempotencyLease-time.Second))
		leave("yesterday", "another request", 201, `{"id":1}`, now.Add(-apitoken.IdempotencyKeyLife-time.Minute))

		for _, tt := range []struct {
			name, key string
			status    int
			code      string
		}{
			{"claim left by a crash, past its lease", "crashed", 201, ""},
			{"claim within its lease", "running", 409, "request_in_progress"},
			{"stale claim of another request", "crashed-other", 422, "idempotency_key_reused"},
			{"key older than a day, not yet deleted", "yesterday", 201, ""},
		} {
			r := api.do("POST", path, body, "Idempotency-Key", tt.key)
			if r.Status != tt.status || r.code(t) != tt.code || r.Header.Get("Idempotent-Replayed") != "" {
				t.Fatalf("%s: %d %s; want %d %s", tt.name, r.Status, r.Body, tt.status, tt.code)
			}
			if tt.status != 201 {
				continue
			}
			again := api.do("POST", path, body, "Idempotency-Key", tt.key)
			if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(r.Body) {
				t.Fatalf("%s: the retry after the takeover: %d %s", tt.name, again.Status, again.Body)
			}
		}

		// Housekeeping deletes keys older than a day, and only those.
		leave("last-week", hash, 201, `{"id":1}`, now.Add(-7*24*time.Hour))
		ins, err := queue.NewInserter(a.DB)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ins.EnqueueMany(ctx, []queue.Job{jobs.Housekeeping{}}); err != nil {
			t.Fatal(err)
		}
		keys := func() (n int64) {
			t.Helper()
			if err := a.DB.Gorm.Table("idempotency_keys").Where("token_id = ? AND key = 'last-week'", tok.ID).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		apptest.WaitFor(t, 15*time.Second, "housekeeping's removal of the key older than a day", func() bool { return keys() == 0 })
		var kept int64
		a.DB.Gorm.Table("idempotency_keys").Where("token_id = ?", tok.ID).Count(&kept)
		if kept != 4 {
			t.Fatalf("%d keys after housekeeping, want the 4 younger than a day", kept)
		}
		if r := api.do("POST", path, body, "Idempotency-Key", "last-week"); r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("a deleted key used again: %d %s", r.Status, r.Body)
		}
	})
}
