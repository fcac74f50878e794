package textsafe

import (
	"unicode/utf16"
	"unicode/utf8"
)

// JSON escapes, in JSON text, the runes a terminal acts on or hides that
// encoding/json leaves raw: DEL, C1 controls (U+0080–U+009F; U+009B is CSI
// to many terminals), bidi controls and the other invisible runes. They can
// only occur inside strings (JSON outside strings is ASCII), so the value
// decodes unchanged.
func JSON(b []byte) []byte {
	if isPlain(string(b)) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == 0x7f || (r >= 0x80 && r < 0xa0) || (Invisible(r) && r <= 0xffff):
			out = append(out, `\u`...)
			out = append(out, hex4(r)...)
		case Invisible(r): // beyond the BMP: JSON spells it as a surrogate pair
			hi, lo := utf16.EncodeRune(r)
			out = append(out, `\u`...)
			out = append(out, hex4(hi)...)
			out = append(out, `\u`...)
			out = append(out, hex4(lo)...)
		default:
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	return out
}

func hex4(r rune) []byte {
	const digits = "0123456789abcdef"
	return []byte{digits[r>>12&0xf], digits[r>>8&0xf], digits[r>>4&0xf], digits[r&0xf]}
}
