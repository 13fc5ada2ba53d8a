package playbooks

import (
	"fmt"
	"strings"
	"time"
)

// The tests pin a step's timing as these words; replies say it in the
// reader's language (commands' stepTiming).

// Describe says when the step falls due, in English words.
func (s Step) Describe() string {
	switch s.Timing() {
	case TimingCadence:
		return "every " + formatDuration(s.Every) + " since the last touch"
	case TimingAnchor:
		days := make([]string, len(s.Offsets))
		for i, o := range s.Offsets {
			days[i] = fmt.Sprintf("%+dd", o)
		}
		return strings.Join(days, ", ") + " from " + s.Anchor
	case TimingSignal:
		return "on signal " + s.Signal
	}
	return "never"
}

// formatDuration writes whole days the way playbooks spell them.
func formatDuration(d time.Duration) string {
	if d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}
