package router

import (
	"testing"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
)

func TestRouterCommandOf(t *testing.T) {
	for _, c := range []struct {
		text string
		cmd  command
		lang i18n.Lang
	}{
		{"FOLLOW", cmdFollow, i18n.EN},
		{" Stop. ", cmdStop, i18n.EN},
		{"/help", cmdHelp, i18n.EN},
		{"Feedback", cmdFeedback, i18n.EN},
		{"cancel", cmdCancel, i18n.EN},
		{"关注", cmdFollow, i18n.ZHHans},
		{"退订！", cmdStop, i18n.ZHHans},
		{"TD", cmdStop, i18n.ZHHans},
		{"“帮助”", cmdHelp, i18n.ZHHans},
		{"意见", cmdFeedback, i18n.ZHHans},
		{"取消", cmdCancel, i18n.ZHHans},
		{"「關注」", cmdFollow, i18n.ZHHant},
		{"退訂", cmdStop, i18n.ZHHant},
		{"幫助", cmdHelp, i18n.ZHHant},
		{"意見", cmdFeedback, i18n.ZHHant},
		{"SEGUIR", cmdFollow, i18n.ES},
		{"«BAJA»", cmdStop, i18n.ES},
		{"Ayuda", cmdHelp, i18n.ES},
		{"OPINIÓN", cmdFeedback, i18n.ES},
		{"opinion", cmdFeedback, i18n.ES},
		{"Cancelar.", cmdCancel, i18n.ES},
		{"متابعة", cmdFollow, i18n.AR},
		{"إيقاف", cmdStop, i18n.AR},
		{"ايقاف", cmdStop, i18n.AR},
		{"«مساعدة»", cmdHelp, i18n.AR},
		{"رأي", cmdFeedback, i18n.AR},
		{"إلغاء", cmdCancel, i18n.AR},
		{"?", cmdHelp, ""},
		{"؟", cmdHelp, ""},
		{"\"stop\"", cmdStop, i18n.EN},
		{"STOP PLACE", cmdForgetPlace, i18n.EN},
		{" stop   place. ", cmdForgetPlace, i18n.EN},
		{"取消位置", cmdForgetPlace, i18n.ZHHans},
		{"「刪除位置」", cmdForgetPlace, i18n.ZHHant},
		{"Borrar lugar", cmdForgetPlace, i18n.ES},
		{"حذف المكان", cmdForgetPlace, i18n.AR},
		{"stop the bus", cmdNone, ""},
		{"hola", cmdNone, ""},
		{"", cmdNone, ""},
	} {
		cmd, lang := commandOf(normalize(c.text))
		if cmd != c.cmd || lang != c.lang {
			t.Errorf("commandOf(%q) = %v %q, want %v %q", c.text, cmd, lang, c.cmd, c.lang)
		}
	}
}

func TestRouterFeedbackWords(t *testing.T) {
	for _, w := range []string{"YES", "是", "確認", "SÍ", "si", "نعم", "“ok”"} {
		if !oneOf(normalize(w), yesWords...) {
			t.Errorf("%q does not confirm", w)
		}
	}
	for _, w := range []string{"SKIP", "跳过", "跳過", "Omitir", "تخطي"} {
		if !oneOf(normalize(w), skipWords...) {
			t.Errorf("%q does not skip", w)
		}
	}
	if oneOf(normalize("no"), yesWords...) {
		t.Error("no confirms")
	}
}

func TestRouterPlaceWords(t *testing.T) {
	for _, w := range []string{"YES", "是", "是的", "确认", "確認", "SÍ", "si", "نعم", "ok!"} {
		if !oneOf(normalize(w), placeYesWords...) {
			t.Errorf("%q does not confirm a place", w)
		}
	}
	for _, w := range []string{"no", "不", "stop", "send"} {
		if oneOf(normalize(w), placeYesWords...) {
			t.Errorf("%q confirms a place", w)
		}
	}
}

func TestRouterLanguageOf(t *testing.T) {
	enZh := &models.Account{Languages: "en,zh-Hans"}
	es := &models.Account{Languages: "es,en"}
	hant := &models.Account{Languages: "zh-Hant"}
	for _, c := range []struct {
		name string
		f    *models.Follower
		in   bridge.Inbound
		a    *models.Account
		want i18n.Lang
	}{
		{"stored tag", &models.Follower{Language: "ar"}, bridge.Inbound{Text: "follow", Lang: "es"}, enZh, i18n.AR},
		{"stored old zh", &models.Follower{Language: "zh"}, bridge.Inbound{Text: "help"}, enZh, i18n.ZHHans},
		{"stored zh-Hant", &models.Follower{Language: "zh-Hant"}, bridge.Inbound{Text: "关注"}, enZh, i18n.ZHHant},
		{"stored other language", &models.Follower{Language: "ms"}, bridge.Inbound{Text: "help"}, es, i18n.EN},
		{"hint zh_TW", nil, bridge.Inbound{Text: "follow", Lang: "zh_TW"}, enZh, i18n.ZHHant},
		{"hint es_MX", nil, bridge.Inbound{Text: "follow", Lang: "es_MX"}, enZh, i18n.ES},
		{"hint zh", nil, bridge.Inbound{Lang: "zh"}, enZh, i18n.ZHHans},
		{"hint ar", nil, bridge.Inbound{Text: "hi", Lang: "ar"}, enZh, i18n.AR},
		{"Spanish word", nil, bridge.Inbound{Text: "SEGUIR"}, enZh, i18n.ES},
		{"Spanish word", nil, bridge.Inbound{Text: "baja"}, enZh, i18n.ES},
		{"Arabic word", nil, bridge.Inbound{Text: "إيقاف"}, enZh, i18n.AR},
		{"Arabic word", nil, bridge.Inbound{Text: "مساعدة"}, es, i18n.AR},
		{"Traditional word", nil, bridge.Inbound{Text: "關注"}, enZh, i18n.ZHHant},
		{"Simplified word", nil, bridge.Inbound{Text: "退订"}, hant, i18n.ZHHans},
		{"English word", nil, bridge.Inbound{Text: "STOP"}, es, i18n.EN},
		{"Chinese text", nil, bridge.Inbound{Text: "请问几点开门"}, enZh, i18n.ZHHans},
		{"Chinese text, Traditional account", nil, bridge.Inbound{Text: "請問幾點開門"}, hant, i18n.ZHHant},
		{"unknown hint, no word", nil, bridge.Inbound{Text: "bonjour", Lang: "fr"}, es, i18n.ES},
		{"nothing", nil, bridge.Inbound{Text: "hello there"}, enZh, i18n.EN},
		{"no languages", nil, bridge.Inbound{}, &models.Account{}, i18n.EN},
	} {
		if got := languageOf(c.f, c.in, c.a); got != c.want {
			t.Errorf("%s: languageOf(%+v, %q/%q) = %s, want %s", c.name, c.f, c.in.Text, c.in.Lang, got, c.want)
		}
	}
}

func TestRouterFollowLang(t *testing.T) {
	enZh := &models.Account{Languages: "en,zh-Hans"}
	for _, c := range []struct {
		want string
		a    *models.Account
		got  string
	}{
		{"zh-Hans", enZh, "zh-Hans"},
		{"en", enZh, "en"},
		// Never the other script silently: the account's default.
		{"zh-Hant", enZh, "en"},
		{"es", &models.Account{Languages: "es,ar"}, "es"},
		{"ar", &models.Account{Languages: "es,ar"}, "ar"},
		{"en", &models.Account{Languages: "zh-Hant,en"}, "en"},
		{"fr", &models.Account{Languages: "zh-Hant,en"}, "zh-Hant"},
	} {
		if got := followLang(c.want, c.a); got != c.got {
			t.Errorf("followLang(%s, %q) = %s, want %s", c.want, c.a.Languages, got, c.got)
		}
	}
}

func TestRouterNumber(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int
		ok   bool
	}{
		{"3", 3, true}, {"3.", 3, true}, {"３", 3, true}, {"٣", 3, true}, {"۳", 3, true}, {"0", 0, false}, {"10", 0, false}, {"tres", 0, false},
	} {
		if got, ok := number(c.s, 9); got != c.want || ok != c.ok {
			t.Errorf("number(%q) = %d %v, want %d %v", c.s, got, ok, c.want, c.ok)
		}
	}
}
