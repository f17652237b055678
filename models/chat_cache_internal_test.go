package models

import (
	"errors"
	"testing"
)

func TestTTLMap(t *testing.T) {
	var m ttlMap[int]
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	if v, _ := m.get("a", load); v != 1 {
		t.Fatalf("first get: %d", v)
	}
	if v, _ := m.get("a", load); v != 1 || loads != 1 {
		t.Fatalf("second get loaded again: %d after %d loads", v, loads)
	}
	boom := errors.New("boom")
	if _, err := m.get("b", func() (int, error) { return 0, boom }); err != boom {
		t.Fatalf("failed load: %v", err)
	}
	if v, _ := m.get("b", load); v != 2 {
		t.Fatalf("a failed load was remembered: %d", v)
	}
	m.reset()
	if v, _ := m.get("a", load); v != 3 {
		t.Fatalf("after reset: %d", v)
	}
}
