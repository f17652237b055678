package bridge

import (
	"errors"

	"github.com/plazahq/plaza/redact"
)

// Failure is a call to a chat platform or receiver that did not succeed,
// in two parts: Reason, the message key staff see (a short translated
// reason with the next step, never the platform's own words, which can
// carry a URL with a secret), and Err, the details for the log.
type Failure struct {
	Reason string
	Args   []any
	Err    error
}

// Fail builds a Failure.
func Fail(reason string, err error, args ...any) *Failure {
	return &Failure{Reason: reason, Args: args, Err: err}
}

// Error is the reason's key with the details, redacted: safe for a log.
func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Reason
	}
	return f.Reason + ": " + redact.Error(f.Err)
}

func (f *Failure) Unwrap() error { return f.Err }

// ReasonOf is the message key (and its arguments) to show staff for err:
// its Failure's reason, or fallback for any other error.
func ReasonOf(err error, fallback string) (string, []any) {
	var f *Failure
	if errors.As(err, &f) {
		return f.Reason, f.Args
	}
	return fallback, nil
}
