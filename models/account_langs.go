package models

// AccountLangs is the languages an account publishes in, its default
// first; never empty (an account stored with none reads as English).
func AccountLangs(a *Account) []string {
	if l := a.LangList(); len(l) > 0 {
		return l
	}
	return []string{"en"}
}

// AccountDefaultLang is the language every reader of a without a version
// of their own gets.
func AccountDefaultLang(a *Account) string {
	if a.DefaultLang != "" {
		return a.DefaultLang
	}
	return AccountLangs(a)[0]
}
