package store

// ChannelMark is an admin's word on who reads a chat channel, which decides
// whether csbot shows customer figures (ARR, NPS answers, risk reasons)
// there: `/cs channel internal` or `/cs channel external`.
type ChannelMark string

const (
	// ChannelUnmarked is a channel no admin has marked: csbot goes by what
	// the platform says of it.
	ChannelUnmarked ChannelMark = ""
	// ChannelInternal is read by the customer-success organisation only.
	ChannelInternal ChannelMark = "internal"
	// ChannelExternal is read by people of other organisations (a
	// customer, a partner): csbot never posts customer figures there.
	ChannelExternal ChannelMark = "external"
)
