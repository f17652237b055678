package i18n

import (
	"fmt"
	"time"
)

// Month names are data of each language rather than messages: a
// translator never needs to change them.
var monthNames = map[Lang][12]string{
	EN: {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	ES: {"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"},
	AR: {"يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"},
}

// Date is t's calendar date as readers of l write it.
func Date(l Lang, t time.Time) string {
	if l.Chinese() {
		return t.Format("2006年1月2日")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), month(l, t), t.Year())
}

// DateTime is Date with the time of day, on a 24-hour clock.
func DateTime(l Lang, t time.Time) string {
	return Date(l, t) + " " + t.Format("15:04")
}

// Day is a short day and month, for chart labels.
func Day(l Lang, t time.Time) string {
	if l.Chinese() {
		return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
	}
	return fmt.Sprintf("%d %s", t.Day(), month(l, t))
}

func month(l Lang, t time.Time) string {
	names, ok := monthNames[l]
	if !ok {
		names = monthNames[EN]
	}
	return names[t.Month()-1]
}
