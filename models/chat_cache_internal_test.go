package models

import (
	"context"
	"errors"
	"testing"
)

// TestChatCacheMaps checks the caches the chat paths read through, as the
// Store builds them: a value is loaded once, a failed load is not
// remembered, and clear (what every change to an account's chat setup
// calls) forgets all.
func TestChatCacheMaps(t *testing.T) {
	c := newChatCache()
	m := c.settings
	ctx := context.Background()
	loads := 0
	load := func(context.Context) (*ChatSettings, error) {
		loads++
		return &ChatSettings{AppID: string(rune('0' + loads))}, nil
	}
	first := func(v *ChatSettings, _ error) string { return v.AppID }
	if v := first(m.Get(ctx, "a", load)); v != "1" {
		t.Fatalf("first get: %s", v)
	}
	if v := first(m.Get(ctx, "a", load)); v != "1" || loads != 1 {
		t.Fatalf("second get loaded again: %s after %d loads", v, loads)
	}
	boom := errors.New("boom")
	if _, err := m.Get(ctx, "b", func(context.Context) (*ChatSettings, error) { return nil, boom }); err != boom {
		t.Fatalf("failed load: %v", err)
	}
	if v := first(m.Get(ctx, "b", load)); v != "2" {
		t.Fatalf("a failed load was remembered: %s", v)
	}
	c.clear()
	if v := first(m.Get(ctx, "a", load)); v != "3" {
		t.Fatalf("after clear: %s", v)
	}
	var none *chatCache
	none.clear()
}
