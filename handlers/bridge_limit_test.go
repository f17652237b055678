package handlers_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/bridge/wechat/wechattest"
	"github.com/plazahq/plaza/config"
)

// holdWrites keeps the callbacks' transactions waiting until the
// returned function is called: on SQLite by holding its one write
// connection, on PostgreSQL by locking the table of WeChat's one-time
// keys, the first a callback writes.
func holdWrites(t *testing.T, a *apptest.App, dbURL string) func() {
	t.Helper()
	ctx := context.Background()
	if strings.HasPrefix(dbURL, "sqlite:") {
		conn, err := a.DB.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return func() { conn.Close() }
	}
	tx, err := a.DB.SQL.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`LOCK TABLE wechat_nonces IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	return func() { tx.Rollback() }
}

// metric reads one sample of Plaza's /metrics (0 when absent).
func metric(t *testing.T, a *apptest.App, name string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	a.App.Metrics.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func storedMsg(t *testing.T, a *apptest.App, msgID string) int64 {
	t.Helper()
	return countRows(t, a, "chat_messages", "msg_id = ? AND direction = 'in'", msgID)
}

// TestBridgeSheds: with one callback allowed at a time and that one
// waiting for the database, the next is answered 503 at once (it does
// not queue), nothing of it is kept, and WeChat's retry of it is then
// handled and stored once, however often it comes.
func TestBridgeSheds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChatConfig(t, dbURL, nil, func(c *config.Config) { c.BridgeInFlight = 1 })
		a := w.a
		release := holdWrites(t, a, dbURL)
		first := make(chan wechattest.Answer, 1)
		q := w.wxc.Query(time.Now(), "7770001", "") // a nonce of its own: w.wxc is not shared
		go func() {
			ans, err := w.wxc.Raw(q, wechattest.Text("oFirst", "8001", "When is the next bus?"), nil)
			if err != nil {
				ans.Body = err.Error()
			}
			first <- ans
		}()
		if !apptest.Eventually(10*time.Second, func() bool { return metric(t, a, "plaza_bridge_in_flight") == 1 }) {
			release()
			t.Fatal("the first callback never got in flight")
		}
		second := w.wechat(t, wechattest.Text("oSecond", "8002", "Is line 12 running?"))
		release()
		if second.Status != http.StatusServiceUnavailable {
			t.Fatalf("the callback over the bound: %d %q", second.Status, second.Body)
		}
		if got := metric(t, a, `plaza_bridge_shed_total{reason="busy"}`); got != 1 {
			t.Fatalf("shed busy: %v", got)
		}
		if ans := <-first; ans.Status != http.StatusOK {
			t.Fatalf("the callback in flight: %d %q", ans.Status, ans.Body)
		}
		if n := storedMsg(t, a, "8002"); n != 0 {
			t.Fatalf("the shed message was stored %d times", n)
		}
		// WeChat retries (three times at most); the answer to the first
		// retry may be lost too.
		for range 2 {
			if ans := w.wechat(t, wechattest.Text("oSecond", "8002", "Is line 12 running?")); ans.Status != http.StatusOK {
				t.Fatalf("the retry: %d %q", ans.Status, ans.Body)
			}
		}
		for _, id := range []string{"8001", "8002"} {
			if n := storedMsg(t, a, id); n != 1 {
				t.Fatalf("message %s stored %d times", id, n)
			}
		}
		if got := metric(t, a, "plaza_bridge_in_flight"); got != 0 {
			t.Fatalf("in flight after all answers: %v", got)
		}
	})
}

// TestBridgeDeadline: a callback whose work outlasts --bridge-timeout is
// given up and answered 503 (before WeChat's 5 s), its transaction
// rolled back, and WeChat's retry is stored once.
func TestBridgeDeadline(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := startChatConfig(t, dbURL, nil, func(c *config.Config) { c.BridgeTimeout = 200 * time.Millisecond })
		a := w.a
		release := holdWrites(t, a, dbURL)
		ans := w.wechat(t, wechattest.Text("oLate", "8101", "help"))
		release()
		if ans.Status != http.StatusServiceUnavailable {
			t.Fatalf("the callback past its deadline: %d %q", ans.Status, ans.Body)
		}
		if got := metric(t, a, `plaza_bridge_shed_total{reason="timeout"}`); got != 1 {
			t.Fatalf("shed timeout: %v", got)
		}
		if n := storedMsg(t, a, "8101"); n != 0 {
			t.Fatalf("the message given up was stored %d times", n)
		}
		for range 2 {
			if ans := w.wechat(t, wechattest.Text("oLate", "8101", "help")); ans.Status != http.StatusOK {
				t.Fatalf("the retry: %d %q", ans.Status, ans.Body)
			}
		}
		if n := storedMsg(t, a, "8101"); n != 1 {
			t.Fatalf("the retried message stored %d times", n)
		}
	})
}
