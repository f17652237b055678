package webpush

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Urgency values of RFC 8030 §5.3.
const (
	UrgencyVeryLow = "very-low"
	UrgencyLow     = "low"
	UrgencyNormal  = "normal"
	UrgencyHigh    = "high"
)

// PushOptions are a push request's RFC 8030 parameters.
type PushOptions struct {
	// TTL is how long the push service keeps an undelivered message;
	// sent in whole seconds, 0 meaning deliver now or never.
	TTL time.Duration
	// Urgency is one of the Urgency constants; empty leaves the header
	// out, which push services read as normal.
	Urgency string
	// Topic, if set, makes this message replace an undelivered one with
	// the same topic: at most 32 characters of the base64url alphabet.
	// TopicFor makes one from any key.
	Topic string
}

// Headers returns the headers of a push request carrying an Encrypt body:
// TTL, Urgency, Topic, Content-Encoding: aes128gcm and Content-Type. The
// caller adds Authorization.
func Headers(opts PushOptions) (http.Header, error) {
	if opts.TTL < 0 {
		return nil, fmt.Errorf("webpush: negative TTL %v", opts.TTL)
	}
	switch opts.Urgency {
	case "", UrgencyVeryLow, UrgencyLow, UrgencyNormal, UrgencyHigh:
	default:
		return nil, fmt.Errorf("webpush: urgency %q is not very-low, low, normal or high", opts.Urgency)
	}
	if opts.Topic != "" && !ValidTopic(opts.Topic) {
		return nil, fmt.Errorf("webpush: topic %q is not at most 32 characters of the base64url alphabet", opts.Topic)
	}
	h := http.Header{}
	h.Set("TTL", strconv.FormatInt(int64(opts.TTL/time.Second), 10))
	if opts.Urgency != "" {
		h.Set("Urgency", opts.Urgency)
	}
	if opts.Topic != "" {
		h.Set("Topic", opts.Topic)
	}
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("Content-Type", "application/octet-stream")
	return h, nil
}

// ValidTopic reports whether s is a topic RFC 8030 §5.4 allows: 1 to 32
// characters from the URL- and filename-safe base64 alphabet.
func ValidTopic(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// TopicFor derives a topic from any key (a notice's thread, say): base64url
// without padding of the first 24 bytes of its SHA-256, 32 characters.
func TopicFor(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}
