package ui

import (
	tea "charm.land/bubbletea/v2"
)

// Copying goes through OSC 52: the terminal, not the program, owns the
// clipboard, and a terminal never acknowledges a write. So a copy is
// followed by an OSC 52 read: when the terminal answers with the text
// just sent, the copy is confirmed ("copied"); until then (and on the
// many terminals that do not answer reads) the flash says only that the
// text was sent, and shows it so it can be selected by hand.

// pendingCopy is the last text sent to the clipboard, awaiting the read-back.
type pendingCopy struct {
	what, text string
	flash      int // the flash that announced it; a later flash is not replaced
}

// copyText sends text to the terminal's clipboard and asks for it back.
// what names it in the flash ("email", "id", "name").
func (a *Model) copyText(what, text string) tea.Cmd {
	if text == "" {
		return a.setFlash(flashErr, markFail+" nothing to copy: no "+what)
	}
	flashCmd := a.setFlash(flashInfo, "sent to the terminal's clipboard: "+text)
	a.copying = &pendingCopy{what: what, text: text, flash: a.flashSeq}
	return tea.Batch(tea.Sequence(tea.SetClipboard(text), tea.ReadClipboard), flashCmd)
}

func (a *Model) copyID(id string) tea.Cmd { return a.copyText("id", id) }

// clipboardRead handles the terminal's answer to the read-back. The
// answer's content is the user's clipboard: it is compared, never shown.
func (a *Model) clipboardRead(msg tea.ClipboardMsg) tea.Cmd {
	p := a.copying
	if p == nil || msg.Selection != 0 && msg.Selection != 'c' {
		return nil
	}
	a.copying = nil
	switch {
	case msg.Content == p.text:
		if a.flash.id != p.flash {
			return nil // something newer is on the flash line; the log keeps the send
		}
		return a.setFlash(flashOK, markOK+" copied "+p.what+" "+p.text)
	case msg.Content == "":
		// Terminals that refuse reads answer with nothing: still unknown.
		return nil
	default:
		return a.setFlash(flashErr, markFail+" not copied: the terminal's clipboard holds something else (select "+p.text+" by hand)")
	}
}
