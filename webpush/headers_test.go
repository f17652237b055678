package webpush_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/webpush"
)

func TestHeaders(t *testing.T) {
	topic := webpush.TopicFor("notice:42")
	for _, tc := range []struct {
		name string
		opts webpush.PushOptions
		want map[string]string // "" means absent
		ok   bool
	}{
		{"emergency", webpush.PushOptions{TTL: 4 * time.Hour, Urgency: webpush.UrgencyHigh, Topic: topic},
			map[string]string{"TTL": "14400", "Urgency": "high", "Topic": topic}, true},
		{"ordinary", webpush.PushOptions{TTL: 90 * time.Minute, Urgency: "normal"},
			map[string]string{"TTL": "5400", "Urgency": "normal", "Topic": ""}, true},
		{"defaults", webpush.PushOptions{},
			map[string]string{"TTL": "0", "Urgency": "", "Topic": ""}, true},
		{"fraction of a second", webpush.PushOptions{TTL: 1500 * time.Millisecond, Urgency: "very-low", Topic: "a-B_9"},
			map[string]string{"TTL": "1", "Urgency": "very-low", "Topic": "a-B_9"}, true},
		{"low, 32-character topic", webpush.PushOptions{TTL: time.Minute, Urgency: "low", Topic: strings.Repeat("x", 32)},
			map[string]string{"Urgency": "low", "Topic": strings.Repeat("x", 32)}, true},
		{"urgency unknown", webpush.PushOptions{Urgency: "urgent"}, nil, false},
		{"urgency capitalised", webpush.PushOptions{Urgency: "High"}, nil, false},
		{"negative TTL", webpush.PushOptions{TTL: -time.Second}, nil, false},
		{"topic 33 characters", webpush.PushOptions{Topic: strings.Repeat("x", 33)}, nil, false},
		{"topic with a space", webpush.PushOptions{Topic: "road works"}, nil, false},
		{"topic with padding", webpush.PushOptions{Topic: "abc="}, nil, false},
		{"topic with standard base64", webpush.PushOptions{Topic: "a+b/c"}, nil, false},
		{"topic not ASCII", webpush.PushOptions{Topic: "通知"}, nil, false},
	} {
		h, err := webpush.Headers(tc.opts)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !tc.ok {
			continue
		}
		for k, v := range tc.want {
			if got := h.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got, v)
			}
		}
		if h.Get("Content-Encoding") != "aes128gcm" || h.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("%s: %v", tc.name, h)
		}
		if _, ok := h[http.CanonicalHeaderKey("TTL")]; !ok {
			t.Errorf("%s: no TTL", tc.name)
		}
	}
}

func TestTopicFor(t *testing.T) {
	a, b := webpush.TopicFor("notice:42"), webpush.TopicFor("notice:43")
	if len(a) != 32 || !webpush.ValidTopic(a) || !webpush.ValidTopic(webpush.TopicFor("")) {
		t.Fatalf("topic %q", a)
	}
	if a == b || a != webpush.TopicFor("notice:42") {
		t.Fatalf("TopicFor is not a stable, distinct hash: %q %q", a, b)
	}
	// base64url of SHA-256("abc")[:24].
	if got := webpush.TopicFor("abc"); got != "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qc" {
		t.Fatalf("TopicFor(abc) = %q", got)
	}
}
