package channel_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models/channel"
)

// Two Plaza instances on one database share a chat platform's access
// token: callers that find it missing at the same moment fetch it once,
// and a stale token is replaced once, not once per caller.
func TestAccessTokenSharedByInstances(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		one := apptest.Start(t, dbURL)
		two := apptest.Start(t, dbURL)
		services := []*channel.Service{one.Channels, two.Channels}
		var fetches atomic.Int32
		fetch := func(ctx context.Context) (string, time.Duration, error) {
			n := fetches.Add(1)
			time.Sleep(50 * time.Millisecond)
			return fmt.Sprintf("token-%d", n), 2 * time.Hour, nil
		}
		all := func(stale string) map[string]int {
			var mu sync.Mutex
			got := map[string]int{}
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Go(func() {
					tok, err := services[i%2].AccessToken(context.Background(), "wechat:wx1", stale, fetch)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got[tok]++
					mu.Unlock()
				})
			}
			wg.Wait()
			return got
		}
		if got := all(""); len(got) != 1 || got["token-1"] != 16 || fetches.Load() != 1 {
			t.Fatalf("first fetch: %v after %d fetches", got, fetches.Load())
		}
		if got := all("token-1"); len(got) != 1 || got["token-2"] != 16 || fetches.Load() != 2 {
			t.Fatalf("refresh of a stale token: %v after %d fetches", got, fetches.Load())
		}
		// The token is stored encrypted.
		var raw string
		if err := one.DB.Gorm.Raw("SELECT token FROM chat_tokens WHERE key = ?", "wechat:wx1").Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		if raw == "" || raw == "token-2" {
			t.Fatalf("stored token %q", raw)
		}
		// Another key is another token.
		tok, err := two.Channels.AccessToken(context.Background(), "wechat:wx2", "", fetch)
		if err != nil || tok != "token-3" {
			t.Fatalf("second account: %q %v", tok, err)
		}
	})
}
