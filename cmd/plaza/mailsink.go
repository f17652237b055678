package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/plazahq/plaza/mailer/smtpsink"
)

// mailsink runs a local SMTP server that prints every message it gets:
// the development mail server. Point Plaza at it with
// PLAZA_SMTP_URL=smtp://127.0.0.1:1025.
func mailsink(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("plaza mailsink", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "127.0.0.1:1025", "address to listen on")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	sink, err := smtpsink.Start(*addr, func(m smtpsink.Message) {
		fmt.Fprintf(e.stdout, "\n=== mail from %s to %s\nSubject: %s\n", m.From, strings.Join(m.To, ", "), m.Subject)
		for _, h := range []string{"List-Unsubscribe", "List-Unsubscribe-Post"} {
			if v := m.Header.Get(h); v != "" {
				fmt.Fprintf(e.stdout, "%s: %s\n", h, v)
			}
		}
		fmt.Fprintf(e.stdout, "\n%s\n", m.Text)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Mail sink listening on %s. Run Plaza with PLAZA_SMTP_URL=%s to see its mail here.\n", sink.Addr(), sink.URL())
	<-ctx.Done()
	return sink.Close()
}
