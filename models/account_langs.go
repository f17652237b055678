package models

// AccountLangs is the languages an account publishes in, as tags
// ("en", "zh-Hans"), its default first. A list stored before tags
// ("zh") reads as the tag it meant.
func AccountLangs(a *Account) []string {
	var out []string
	for _, l := range LangList(a.Languages) {
		if l == "zh" {
			l = "zh-Hans"
		}
		if !contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		out = []string{"en"}
	}
	return out
}

// AccountDefaultLang is the language an account writes in first, the one
// new projects default to.
// TODO(i18n-merge): a.DefaultLang once accounts have it.
func AccountDefaultLang(a *Account) string { return AccountLangs(a)[0] }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
