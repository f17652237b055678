package models_test

import (
	"fmt"
	"testing"

	"github.com/plazahq/plaza/models"
)

func TestAccountLocalText(t *testing.T) {
	tests := []struct {
		acc                                 models.Account
		nameEN, nameHans, nameHant, bioHant string
		hasEN, hasHant                      bool
	}{
		{models.Account{Name: "Metro", DefaultLang: "en", Languages: "en,zh-Hans,zh-Hant",
			Translations: models.Texts("en", "name", "Metro", "bio", "Trains").With("zh-Hans", "name", "地铁", "bio", "列车").With("zh-Hant", "name", "地鐵")},
			"Metro", "地铁", "地鐵", "Trains", true, true},
		// A reader of Traditional Chinese gets the default, not the other script.
		{models.Account{Name: "Metro", DefaultLang: "en", Languages: "en,zh-Hans", Translations: models.Texts("en", "name", "Metro", "bio", "Trains").With("zh-Hans", "name", "地铁", "bio", "列车")},
			"Metro", "地铁", "Metro", "Trains", true, false},
		{models.Account{Name: "地铁", DefaultLang: "zh-Hans", Languages: "zh-Hans", Translations: models.Texts("zh-Hans", "name", "地铁", "bio", "列车")},
			"地铁", "地铁", "地铁", "列车", false, false},
	}
	for i, tt := range tests {
		a := tt.acc
		got := fmt.Sprint(a.LocalName("en"), a.LocalName("zh-Hans"), a.LocalName("zh-Hant"), a.LocalBio("zh-Hant"), a.HasLanguage("en"), a.HasLanguage("zh-Hant"))
		want := fmt.Sprint(tt.nameEN, tt.nameHans, tt.nameHant, tt.bioHant, tt.hasEN, tt.hasHant)
		if got != want {
			t.Errorf("case %d: %s; want %s", i, got, want)
		}
	}
}
