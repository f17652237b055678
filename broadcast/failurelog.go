package broadcast

import (
	"log/slog"
	"sync"
	"time"

	"github.com/plazahq/plaza/redact"
)

// failureLogEvery is how often one reason of one broadcast is logged with
// its details: a dead receiver fails every message of a million-follower
// broadcast for the same cause, and one line a minute says it.
const failureLogEvery = time.Minute

// failureLog logs the details behind delivery failures, which staff see
// only as a short reason: at warning level once a minute per broadcast,
// channel and reason, with how many were left out, and every one at debug
// level. Secrets are removed first.
type failureLog struct {
	mu   sync.Mutex
	last map[failureKey]*failureSeen
}

type failureKey struct {
	broadcast int64
	channel   string
	reason    string
}

type failureSeen struct {
	at      time.Time
	skipped int
}

func (f *failureLog) note(log *slog.Logger, broadcastID int64, channel, reason string, err error) {
	if log == nil || err == nil {
		return
	}
	detail := redact.Error(err)
	k := failureKey{broadcastID, channel, reason}
	now := time.Now()
	f.mu.Lock()
	if f.last == nil {
		f.last = map[failureKey]*failureSeen{}
	}
	seen := f.last[k]
	if seen != nil && now.Sub(seen.at) < failureLogEvery {
		seen.skipped++
		f.mu.Unlock()
		log.Debug("delivery failed", "broadcast", broadcastID, "channel", channel, "reason", reason, "err", detail)
		return
	}
	skipped := 0
	if seen != nil {
		skipped = seen.skipped
	}
	if len(f.last) > 10_000 {
		// Old broadcasts' entries: forget them all rather than grow.
		clear(f.last)
	}
	f.last[k] = &failureSeen{at: now}
	f.mu.Unlock()
	log.Warn("delivery failed", "broadcast", broadcastID, "channel", channel, "reason", reason, "err", detail,
		"same_reason_since_last_line", skipped)
}
