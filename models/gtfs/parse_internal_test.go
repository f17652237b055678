package gtfs

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// The budget counts the bytes actually read, whatever the zip's headers
// say: a file that ends at the limit is read whole, one byte more is
// refused, and the budget is shared by the files read after each other.
func TestBudgetCountsBytesRead(t *testing.T) {
	b := &budget{left: 10}
	if got, err := io.ReadAll(&limited{r: strings.NewReader("0123456"), b: b}); err != nil || string(got) != "0123456" {
		t.Fatalf("first file: %q, %v", got, err)
	}
	if got, err := io.ReadAll(&limited{r: strings.NewReader("789"), b: b}); err != nil || string(got) != "789" {
		t.Fatalf("up to the limit: %q, %v", got, err)
	}
	if _, err := io.ReadAll(&limited{r: strings.NewReader("x"), b: b}); !errors.Is(err, errTooMuch) {
		t.Fatalf("past the limit: %v", err)
	}
}
