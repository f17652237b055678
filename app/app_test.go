package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
)

// held is a channel whose sends wait until the test lets them go, so the
// app can be stopped while a batch is in flight (every message of it on
// its way: a send not yet started when Stop comes is given back instead).
type held struct {
	// want is how many sends must be waiting before entered closes.
	want    int32
	n       atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (h *held) Name() string { return models.ChannelWebhook }

func (h *held) Send(ctx context.Context, m *broadcast.Message) broadcast.Result {
	if h.n.Add(1) == h.want {
		close(h.entered)
	}
	<-h.release
	return broadcast.SentResult()
}

// TestStopFinishesTheBatchInFlight: Stop does not report the workers
// stopped while a batch is still being sent, and given a budget it waits
// until the batch is sent and recorded, so the database can close after it.
func TestStopFinishesTheBatchInFlight(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		const followers = 3
		ch := &held{want: followers, entered: make(chan struct{}), release: make(chan struct{})}
		release := sync.OnceFunc(func() { close(ch.release) })
		defer release() // a failing test must not leave the send hanging
		a := apptest.StartOptions(t, dbURL, nil, func(o *app.Options) { o.Channels = []broadcast.Channel{ch} })
		a.StartWorkers(t)
		fx := apptest.Seed(t, a)
		ctx, owner := context.Background(), fx.Member(models.RoleOwner)
		for i := range followers {
			if _, err := a.Followers.SeedFollower(ctx, fx.Account.ID, models.ChannelWebhook, fmt.Sprintf("+1-555-%d", i), "", "en", nil, 0, ""); err != nil {
				t.Fatal(err)
			}
		}
		in := notice.Input{Kind: models.NoticeGeneral, Translations: models.Texts("en", "title", "Held", "body", "Sent while stopping.")}
		n, err := a.Notices.CreateNotice(ctx, owner, fx.Account, in)
		if err != nil {
			t.Fatal(err)
		}
		_, b, err := a.Notices.PublishNotice(ctx, owner, fx.Account, n.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-ch.entered:
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d messages on their way", ch.n.Load(), followers)
		}

		spent, cancel := context.WithCancel(ctx)
		cancel()
		if err := a.Stop(spent); err == nil || !strings.Contains(err.Error(), "broadcast workers still sending") {
			t.Fatalf("Stop with no time left while a batch is in flight: %v; want it to say the workers are still sending", err)
		}

		release()
		budget, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := a.Stop(budget); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		var got models.Broadcast
		if err := a.Store.DB().First(&got, b.ID).Error; err != nil {
			t.Fatal(err)
		}
		if got.Sent != followers || got.Status != models.BroadcastDone {
			t.Fatalf("after Stop the broadcast is %s with %d of %d sent; want the batch in flight recorded", got.Status, got.Sent, followers)
		}
	})
}
