package benchutil

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Tally counts how often each delivery reached a bench's receiver, so a
// program can tell how many were sent twice. A key is a delivery id
// ("<broadcast>-<follower>") or a follower id; those within the first
// 4 million followers are counted without a lock, so the receiver takes
// little of the CPU the sender is measured on. Other keys are counted in
// a map.
type Tally struct {
	received   atomic.Int64
	byFollower []atomic.Uint32
	mu         sync.Mutex
	others     map[string]int32
}

// NewTally returns an empty Tally.
func NewTally() *Tally {
	return &Tally{byFollower: make([]atomic.Uint32, 1<<22), others: map[string]int32{}}
}

// Add counts one arrival of the delivery key and returns how many arrived
// so far, this one included.
func (t *Tally) Add(key string) int64 {
	n := t.received.Add(1)
	id := key
	if k := strings.LastIndexByte(key, '-'); k >= 0 {
		id = key[k+1:]
	}
	if f, err := strconv.ParseInt(id, 10, 64); err == nil && f >= 0 && f < int64(len(t.byFollower)) {
		t.byFollower[f].Add(1)
		return n
	}
	t.mu.Lock()
	t.others[key]++
	t.mu.Unlock()
	return n
}

// Counts are the arrivals and the distinct deliveries among them; read
// them once the sending is over.
func (t *Tally) Counts() (received, distinct int64) {
	for i := range t.byFollower {
		if t.byFollower[i].Load() > 0 {
			distinct++
		}
	}
	t.mu.Lock()
	distinct += int64(len(t.others))
	t.mu.Unlock()
	return t.received.Load(), distinct
}
