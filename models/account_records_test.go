package models_test

import (
	"fmt"
	"testing"

	"github.com/plazahq/plaza/models"
)

func TestAccountLocalText(t *testing.T) {
	tests := []struct {
		acc                          models.Account
		nameEN, nameZH, bioEN, bioZH string
		hasEN, hasZH                 bool
	}{
		{models.Account{Name: "Metro", NameZh: "地铁", BioEn: "Trains", BioZh: "列车", Languages: "en,zh"}, "Metro", "地铁", "Trains", "列车", true, true},
		{models.Account{Name: "Metro", BioEn: "Trains", Languages: "en"}, "Metro", "Metro", "Trains", "Trains", true, false},
		{models.Account{Name: "Metro", BioZh: "列车", Languages: "zh"}, "Metro", "Metro", "列车", "列车", false, true},
	}
	for i, tt := range tests {
		a := tt.acc
		got := fmt.Sprint(a.LocalName("en"), a.LocalName("zh"), a.LocalBio("en"), a.LocalBio("zh"), a.HasLanguage("en"), a.HasLanguage("zh"))
		want := fmt.Sprint(tt.nameEN, tt.nameZH, tt.bioEN, tt.bioZH, tt.hasEN, tt.hasZH)
		if got != want {
			t.Errorf("case %d: %s; want %s", i, got, want)
		}
	}
}
