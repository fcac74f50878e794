package ui

import tea "charm.land/bubbletea/v2"

// reader is what the help and message-log screens share: they take every
// key, movement scrolls the text, any other key closes the screen (q
// included, as in less).
type reader struct {
	off  int // scroll position
	rows int // rows of the text last drawn
	what string
}

func (s *reader) typing() bool { return true }

func (s *reader) refresh(*Model) bool { return true }

func (s *reader) hints(*Model) []Binding { return nil }

func (s *reader) info(a *Model) string {
	k := a.keys
	return keyName(k.Up) + " " + keyName(k.Down) + " " + keyName(k.PageUp) + " " + keyName(k.PageDown) + " scroll · any other key closes " + s.what
}

// update scrolls with movement keys; any other key closes the screen.
func (s *reader) update(a *Model, msg tea.Msg) (tea.Cmd, bool) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	page := max(1, a.bodyHeight()-3)
	k := a.keys
	switch {
	case matches(km, k.Down):
		s.off++
	case matches(km, k.Up):
		s.off--
	case matches(km, k.PageDown):
		s.off += page
	case matches(km, k.PageUp):
		s.off -= page
	default:
		a.pop()
		return nil, true
	}
	s.off = clamp(s.off, 0, max(0, s.rows-(a.bodyHeight()-2)))
	return nil, true
}
