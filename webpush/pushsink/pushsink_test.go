package pushsink_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	bwebpush "github.com/plazahq/plaza/bridge/webpush"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/webpush"
	"github.com/plazahq/plaza/webpush/pushsink"
	"github.com/plazahq/plaza/webpush/webpushtest"
)

// TestSinkReadsWhatTheChannelSendsToDemoSubscriptions: the Web Push
// channel sends to the demo's subscriptions on the sink, which checks the
// VAPID header and decrypts each notification; another browser's message
// is taken but not read, and one without VAPID is refused.
func TestSinkReadsWhatTheChannelSendsToDemoSubscriptions(t *testing.T) {
	var mu sync.Mutex
	var got []pushsink.Message
	sink, err := pushsink.Start("127.0.0.1:0", func(m pushsink.Message) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	keys, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	ch := bwebpush.New(keys, "mailto:ops@plaza.test", http.DefaultClient, nil)
	demo1, err := pushsink.DemoSubscriber(sink.URL(), 1)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := pushsink.DemoSubscriber(sink.URL(), 1)
	if pushsink.Address(demo1.Subscription) != pushsink.Address(again.Subscription) {
		t.Fatal("a demo subscriber's keys are not the same each time")
	}
	other, err := webpushtest.NewSubscriber(sink.URL() + "/push/someone-else")
	if err != nil {
		t.Fatal(err)
	}
	content := &broadcast.Content{BroadcastID: 3, NoticeID: 9, Subject: "Line 12 diverted", Text: "Buses run via Park Road.",
		URL: "http://plaza.test/@citytransit/notices/9", Emergency: true}
	for i, s := range []*webpushtest.Subscriber{demo1, other} {
		res := ch.Send(context.Background(), &broadcast.Message{Content: content, Attempt: 1, DeliveryID: "3-1",
			To: broadcast.Recipient{FollowerID: int64(i + 1), Channel: "webpush", Address: pushsink.Address(s.Subscription), Language: "en"}})
		if res.Outcome != broadcast.Sent {
			t.Fatalf("send to %s: %+v", s.Subscription.Endpoint, res)
		}
	}
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	var p bwebpush.Payload
	if err := json.Unmarshal(got[0].Payload, &p); err != nil || p.Title != "Line 12 diverted" || p.URL != content.URL {
		t.Fatalf("demo payload %s: %v", got[0].Payload, err)
	}
	if got[0].Endpoint != demo1.Subscription.Endpoint || got[0].Urgency != "high" || got[0].TTL != int(bwebpush.EmergencyTTL.Seconds()) ||
		got[0].Subject != "mailto:ops@plaza.test" || got[0].DecryptErr != nil {
		t.Fatalf("demo message %+v", got[0])
	}
	if got[1].Payload != nil || got[1].DecryptErr != nil || got[1].Size == 0 {
		t.Fatalf("another browser's message %+v", got[1])
	}
	resp, err := http.Post(demo1.Subscription.Endpoint, "application/octet-stream", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(got) != 2 {
		t.Fatalf("without VAPID: %d", resp.StatusCode)
	}
}
