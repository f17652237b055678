package templates

import (
	"context"
	"testing"
	"time"

	"github.com/plazahq/plaza/i18n"
)

// The waiting text agrees with its number: "1 hour" and "2 hours" in
// English, and Arabic's singular, dual, few and many forms.
func TestWaitingTextPlurals(t *testing.T) {
	en := WithEnv(context.Background(), &Env{Lang: i18n.EN})
	ar := WithEnv(context.Background(), &Env{Lang: i18n.AR})
	for _, tt := range []struct {
		ctx  context.Context
		d    time.Duration
		want string
	}{
		{en, time.Minute, "Waiting 1 minute"},
		{en, 5 * time.Minute, "Waiting 5 minutes"},
		{en, time.Hour + 10*time.Minute, "Waiting 1 hour"},
		{en, 2 * time.Hour, "Waiting 2 hours"},
		{en, 47 * time.Hour, "Waiting 47 hours"},
		{en, 49 * time.Hour, "Waiting 2 days"},
		{ar, time.Hour, "ينتظر منذ 1 ساعة"},
		{ar, 2 * time.Hour, "ينتظر منذ 2 ساعتين"},
		{ar, 3 * time.Hour, "ينتظر منذ 3 ساعات"},
		{ar, 11 * time.Hour, "ينتظر منذ 11 ساعة"},
		{ar, 2 * time.Minute, "ينتظر منذ 2 دقيقتين"},
		{ar, 7 * time.Minute, "ينتظر منذ 7 دقائق"},
		{ar, 3 * 24 * time.Hour, "ينتظر منذ 3 أيام"},
		{ar, 12 * 24 * time.Hour, "ينتظر منذ 12 يومًا"},
	} {
		if got := waitingText(tt.ctx, tt.d); got != tt.want {
			t.Errorf("%s %v: got %q, want %q", lang(tt.ctx), tt.d, got, tt.want)
		}
	}
}
