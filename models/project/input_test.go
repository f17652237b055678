package project_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/project"
)

// The project's rules on their own, without a database.
func TestValidate(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	f := func(v float64) *float64 { return &v }
	n := func(v int64) *int64 { return &v }
	at := func(h int) *time.Time { t := now.Add(time.Duration(h) * time.Hour); return &t }
	tests := []struct {
		name string
		in   project.Input
		want map[string]string
	}{
		{"title in one language is enough", project.Input{TitleZh: "海港公园"}, nil},
		{"no title", project.Input{}, map[string]string{"title_en": "projects.err_title_one_language"}},
		{"text without its title", project.Input{TitleEn: "Park", SummaryZh: "摘要"}, map[string]string{"title_zh": "projects.err_text_without_title"}},
		{"title too long", project.Input{TitleEn: strings.Repeat("a", 201)}, map[string]string{"title_en": "err.too_long"}},
		{"body too long", project.Input{TitleEn: "Park", BodyEn: strings.Repeat("a", 20001)}, map[string]string{"body_en": "err.too_long"}},
		{"one coordinate", project.Input{TitleEn: "Park", Latitude: f(22.3)}, map[string]string{"latitude": "projects.err_both_coordinates"}},
		{"latitude out of range", project.Input{TitleEn: "Park", Latitude: f(86), Longitude: f(114)}, map[string]string{"latitude": "projects.err_latitude"}},
		{"longitude NaN", project.Input{TitleEn: "Park", Latitude: f(22), Longitude: f(math.NaN())}, map[string]string{"longitude": "projects.err_longitude"}},
		{"negative budget", project.Input{TitleEn: "Park", Budget: n(-1)}, map[string]string{"budget": "projects.err_budget"}},
		{"bad currency", project.Input{TitleEn: "Park", BudgetCurrency: "HK$"}, map[string]string{"budget_currency": "projects.err_currency"}},
		{"closes before it opens", project.Input{TitleEn: "Park", OpensAt: at(2), ClosesAt: at(1)}, map[string]string{"closes_at": "projects.err_closes_before_opens"}},
		{"district too long", project.Input{TitleEn: "Park", Districts: strings.Repeat("d", 101)}, map[string]string{"districts": "err.too_long"}},
	}
	for _, tt := range tests {
		_, err := project.Validate(tt.in, now)
		v, ok := models.AsValidation(err)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: want field errors %v, got %v", tt.name, tt.want, err)
			continue
		}
		for field, key := range tt.want {
			if v.Fields[field] != key {
				t.Errorf("%s: %s = %q, want %q (all: %v)", tt.name, field, v.Fields[field], key, v.Fields)
			}
		}
	}
}

// Validate hands back what it accepts cleaned: text trimmed and rid of
// control characters, the currency in capitals, districts one a line
// without repeats, times in UTC.
func TestValidateCleans(t *testing.T) {
	hk := time.FixedZone("HKT", 8*3600)
	opens := time.Date(2026, 12, 5, 9, 0, 0, 0, hk)
	in, err := project.Validate(project.Input{TitleEn: "  Park\x00 ", BudgetCurrency: "hkd", Districts: "North\n\n South \nNorth", OpensAt: &opens},
		time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if in.TitleEn != "Park" || in.BudgetCurrency != "HKD" || in.Districts != "North\nSouth" || in.OpensAt.Location() != time.UTC || !in.OpensAt.Equal(opens) {
		t.Fatalf("cleaned: %+v", in)
	}
}
