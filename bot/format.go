package bot

import "github.com/csbot/csbot/bot/i18n"

// english formats the replies not yet translated.
var english = i18n.For(i18n.Default)

// Amount writes a whole amount with thousands separators: 1,234,567. A
// reply in the asker's language uses Request.L().Money instead.
func Amount(v int64) string { return english.Number(v) }
