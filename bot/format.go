package bot

import "github.com/csbot/csbot/bot/i18n"

// Amount writes a whole amount with thousands separators: 1,234,567. A
// reply in the asker's language uses Request.L().Money instead.
func Amount(v int64) string { return i18n.English.Number(v) }
