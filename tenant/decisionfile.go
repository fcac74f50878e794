package tenant

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/otaccess/otaccess/textsafe"
)

// A decision file is a review as text, one line per item, like the todo
// list of `git rebase -i`:
//
//	keep    4.9f1c2ab3  jane@acme.com  Auditor — Legal  note: in the audit team  # [admin]
//
// The first word is the decision, the second the item's key (its place in
// the review and a hash of its user and group ids, so a line pasted from
// another review or edited into another item's key is caught), then the
// user and the membership as written (checked, when present, against the
// key), an optional note, and after an unescaped '#' a comment that is
// ignored. Names come from the tenant: a backslash, '#', a newline or any
// other control or invisible rune in them is escaped (\\, \#, \n, \x1b,
// \u202e), so no name can end a line, start its comment, or drive the
// terminal the editor runs in.
//
// Header lines "#@ key: value" name the review and snapshot the file was
// written from (and, for a reviewer's slice, the slice and its checksum);
// other lines starting with '#' and blank lines are ignored.

// DecisionFileVersion is the format's version, written in each header.
const DecisionFileVersion = "1"

// DecisionHeader is what a decision file says about where it comes from.
type DecisionHeader struct {
	Review      string // the review's name
	Started     string // when it was started, RFC 3339 UTC
	Snapshot    string // "ID TIME" of the snapshot its scope was frozen from
	Slice       string // "org Legal" etc. for a reviewer's file; "" for the whole review or a filter
	Reviewer    string // whose decisions these are; "" when the file does not say
	Checksum    string // sha256 of the slice (SliceChecksum), for a reviewer's file
	Items       int    // items written
	Fields      map[string]string
	FieldsOrder []string
}

// ReviewIdentity is the header fields that tie a file to one review: the
// name, the start time and the snapshot.
func ReviewIdentity(r *Review) (started, snapshot string) {
	return r.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		strconv.FormatInt(r.SnapshotID, 10) + " " + r.SnapshotAt.UTC().Format("2006-01-02T15:04:05Z")
}

// HeaderFor is the header of a decision file for r.
func HeaderFor(r *Review) DecisionHeader {
	started, snap := ReviewIdentity(r)
	return DecisionHeader{Review: r.Name, Started: started, Snapshot: snap}
}

// Matches reports why h is not a file of review r ("" when it is).
func (h *DecisionHeader) Matches(r *Review) string {
	started, snap := ReviewIdentity(r)
	switch {
	case h.Review == "":
		return "the file does not name its review (no \"#@ review:\" header line)"
	case !strings.EqualFold(h.Review, r.Name):
		return fmt.Sprintf("the file is of review %q, not %q", textsafe.Line(h.Review), textsafe.Line(r.Name))
	case h.Started != "" && h.Started != started:
		return fmt.Sprintf("the file is of another review named %q (started %s; this one was started %s)", textsafe.Line(h.Review), textsafe.Line(h.Started), started)
	case h.Snapshot != "" && h.Snapshot != snap:
		return fmt.Sprintf("the file was written from snapshot %s, not from this review's snapshot %s", textsafe.Line(h.Snapshot), snap)
	}
	return ""
}

// ItemToken is an item's key as written on its line: "SEQ.HASH", HASH 8 hex
// digits of a hash of its user and group ids.
func ItemToken(it *ReviewItem) string {
	return strconv.Itoa(it.Seq) + "." + itemHash(it.UserID, it.GroupID)
}

// itemHash is 32 bits of FNV-1a over the ids: it tells items apart (a key
// edited into another item's, a line from another review), it is not a
// signature. Written and checked for every item, so it allocates nothing
// but the result.
func itemHash(userID, groupID string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(userID); i++ {
		h = (h ^ uint64(userID[i])) * 1099511628211
	}
	h *= 1099511628211 // a zero byte between the ids (h ^ 0 is h)
	for i := 0; i < len(groupID); i++ {
		h = (h ^ uint64(groupID[i])) * 1099511628211
	}
	var b [8]byte
	hex.Encode(b[:], []byte{byte(h>>56 ^ h>>24), byte(h>>48 ^ h>>16), byte(h>>40 ^ h>>8), byte(h>>32 ^ h)})
	return string(b[:])
}

// SliceChecksum binds a reviewer's file to its review, snapshot, slice,
// reviewer and exact set of items: "sha256:HEX".
func SliceChecksum(h DecisionHeader, items []ReviewItem) string {
	sum := sha256.New()
	fmt.Fprintf(sum, "otaccess-decisions %s\x00%s\x00%s\x00%s\x00%s\x00%s\x00", DecisionFileVersion, h.Review, h.Started, h.Snapshot, h.Slice, h.Reviewer)
	for i := range items {
		io.WriteString(sum, ItemToken(&items[i]))
		sum.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(sum.Sum(nil))
}

// ItemText is the user and membership as a line shows them, escaped
// (SplitRest checks a line against it without building it).
func ItemText(it *ReviewItem) string {
	return EscapeField(it.UserLabel) + "  " + EscapeField(it.Membership())
}

// EscapeField writes s so that it stays inside one line's text: '\', '#',
// line breaks, tabs and every control or invisible rune become visible
// escapes that UnescapeField reads back.
func EscapeField(s string) string {
	if !fieldNeedsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '#':
			b.WriteString(`\#`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case textsafe.Invisible(r) && r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		case textsafe.Invisible(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func fieldNeedsEscape(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if c < 0x20 || c == 0x7f || c == '\\' || c == '#' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || unicode.IsControl(r) || textsafe.Invisible(r) {
			return true
		}
		i += size
	}
	return false
}

// UnescapeField reads EscapeField's escapes back; an unknown escape is
// kept as written.
func UnescapeField(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch n := s[i+1]; n {
		case '\\', '#':
			b.WriteByte(n)
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[n]
			if i+2+width <= len(s) {
				if v, err := strconv.ParseUint(s[i+2:i+2+width], 16, 32); err == nil {
					if n == 'x' && v >= 0x80 && v < 0xa0 {
						b.WriteRune(rune(v)) // a C1 control, written as \x9b
					} else if n == 'x' {
						b.WriteByte(byte(v))
					} else {
						b.WriteRune(rune(v))
					}
					i += 1 + width
					continue
				}
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// WriteDecisionFile writes items (in the order given, normally the
// review's) under header h and the explanation of the words. extra names
// each item's hints and notes for its comment; nil writes the stored hints.
func WriteDecisionFile(w io.Writer, h DecisionHeader, items []ReviewItem, comment func(*ReviewItem) string) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	h.Items = len(items)
	writeHeader(bw, h)
	var line []byte
	for i := range items {
		it := &items[i]
		line = line[:0]
		word := it.Decision.String()
		line = append(line, word...)
		for n := len(word); n < 10; n++ {
			line = append(line, ' ')
		}
		line = append(line, ItemToken(it)...)
		line = append(line, "  "...)
		line = append(line, ItemText(it)...)
		if it.Note != "" {
			line = append(line, "  note: "...)
			line = append(line, EscapeField(it.Note)...)
		}
		c := ""
		if comment != nil {
			c = comment(it)
		} else {
			c = it.Comment()
		}
		if c != "" {
			line = append(line, "  # "...)
			line = append(line, EscapeField(c)...)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// HintTags is hints as a comment shows them: "[admin] [inactive]".
func HintTags(h Hints) string {
	names := h.Names()
	if len(names) == 0 {
		return ""
	}
	return "[" + strings.Join(names, "] [") + "]"
}

func writeHeader(w *bufio.Writer, h DecisionHeader) {
	field := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "#@ %s: %s\n", k, EscapeField(v))
		}
	}
	field("otaccess-decisions", DecisionFileVersion)
	field("review", h.Review)
	field("started", h.Started)
	field("snapshot", h.Snapshot)
	field("slice", h.Slice)
	field("reviewer", h.Reviewer)
	field("checksum", h.Checksum)
	field("items", strconv.Itoa(h.Items))
	for _, k := range h.FieldsOrder {
		field(k, h.Fields[k])
	}
	io.WriteString(w, `#
# One line per item: DECISION  KEY  USER  ROLE — ORG  [note: TEXT]  # hints
# Change the first word to record a decision when the file is read back:
#   keep       the user keeps this access
#   revoke     take it away (otaccess review apply does it on the tenant)
#   skip       not decided here (someone else's area)
#   undecided  clear the decision
# Add "note: TEXT" at the end of a line (before any #) to keep a note with
# the item; "note:" alone clears it. Do not change the KEY: it says which
# item a line is. Do not move lines; deleting a line changes nothing for
# its item. Lines starting with # are ignored, as is text after a #.
# In names and notes \# is a #, \n a line break and \\ a backslash.
#
`)
}

// DecisionLine is one item line of a decision file as read.
type DecisionLine struct {
	Line    int // 1-based line number in the file
	Word    string
	Verdict Verdict // valid when WordOK
	WordOK  bool
	Seq     int
	Hash    string
	Text    string  // the user and membership as the line has them (escaped); "" when left out
	TextOK  bool    // Text is the item's, or left out (after SplitRest)
	Note    *string // nil: no "note:" on the line
	Rest    string  // text that is neither (a problem), escaped
	Raw     string  // the line as read, for messages
}

// DecisionFile is a decision file as read.
type DecisionFile struct {
	Header DecisionHeader
	Lines  []DecisionLine
	// Bad are lines that are not item lines at all (no key), with why.
	Bad []LineProblem
}

// LineProblem says why a line of a file changed nothing.
type LineProblem struct {
	Line int    // 0 when the problem is not one line's (a deleted line)
	Key  string // the item's key, when known
	Why  string // sanitized, one line
}

// LooksLikeDecisionFile reports whether data starts as a decision file
// (rather than a CSV export): its first non-blank line starts with '#' or
// with a word and a key.
func LooksLikeDecisionFile(data []byte) bool {
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] == '#' {
			return true
		}
		f := strings.Fields(string(line))
		if len(f) >= 2 {
			_, _, err := parseToken(f[1])
			return err == nil
		}
		return false
	}
	return true
}

// ParseDecisionFile reads a decision file. Lines it cannot read as item
// lines are listed in Bad. The lines' strings share one copy of data.
func ParseDecisionFile(data []byte) *DecisionFile {
	text := string(data)
	f := &DecisionFile{Header: DecisionHeader{Fields: map[string]string{}}}
	f.Lines = make([]DecisionLine, 0, strings.Count(text, "\n")+1)
	text = strings.TrimPrefix(text, "\ufeff")
	for n := 1; text != ""; n++ {
		raw, rest, _ := strings.Cut(text, "\n")
		text = rest
		raw = strings.TrimRight(raw, "\r")
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#@") {
			k, v, ok := strings.Cut(strings.TrimSpace(line[2:]), ":")
			if ok {
				f.Header.set(strings.TrimSpace(k), UnescapeField(strings.TrimSpace(v)))
			}
			continue
		}
		if line[0] == '#' {
			continue
		}
		dl, why := parseItemLine(line)
		if why != "" {
			f.Bad = append(f.Bad, LineProblem{Line: n, Why: why + ": " + quoteLine(raw)})
			continue
		}
		dl.Line, dl.Raw = n, raw
		f.Lines = append(f.Lines, dl)
	}
	return f
}

func (h *DecisionHeader) set(k, v string) {
	switch k {
	case "review":
		h.Review = v
	case "started":
		h.Started = v
	case "snapshot":
		h.Snapshot = v
	case "slice":
		h.Slice = v
	case "reviewer":
		h.Reviewer = v
	case "checksum":
		h.Checksum = v
	case "items":
		h.Items, _ = strconv.Atoi(v)
	case "otaccess-decisions":
	default:
		if _, ok := h.Fields[k]; !ok {
			h.FieldsOrder = append(h.FieldsOrder, k)
		}
		h.Fields[k] = v
	}
}

// quoteLine is a line for a message: sanitized, cut to 80 runes.
func quoteLine(s string) string {
	s = textsafe.Line(strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:79]) + "…"
	}
	return strconv.Quote(s)
}

// parseItemLine splits "WORD KEY [TEXT] [note: NOTE] [# comment]".
func parseItemLine(line string) (DecisionLine, string) {
	var dl DecisionLine
	content := cutComment(line)
	word, rest := cutWord(content)
	key, rest := cutWord(rest)
	if key == "" {
		return dl, "not an item line (want DECISION KEY …)"
	}
	seq, hash, err := parseToken(key)
	if err != nil {
		return dl, fmt.Sprintf("%s is not an item key (want NUMBER.HASH, as written)", strconv.Quote(textsafe.Line(key)))
	}
	dl.Word, dl.Seq, dl.Hash = word, seq, hash
	if v, err := ParseVerdict(word); err == nil && word != "" {
		dl.Verdict, dl.WordOK = v, true
	}
	rest = strings.TrimSpace(rest)
	dl.Rest = rest // split into Text and Note once the item is known
	return dl, ""
}

// SplitRest splits the line's rest into the text of its item it (as
// ItemText writes it), its note and anything else. TextOK says the text
// is the item's (or left out).
func (dl *DecisionLine) SplitRest(it *ReviewItem) {
	rest := dl.Rest
	label, member := EscapeField(it.UserLabel), EscapeField(it.Membership())
	n := len(label) + 2 + len(member)
	switch {
	case len(rest) >= n && rest[:len(label)] == label && rest[len(label):len(label)+2] == "  " && rest[len(label)+2:n] == member:
		dl.Text, dl.TextOK, rest = rest[:n], true, strings.TrimSpace(rest[n:])
	case rest == "" || strings.HasPrefix(rest, "note:"):
		dl.TextOK = true // the text left out, as a script may
	default:
		if i := strings.Index(rest, "  note:"); i >= 0 {
			dl.Text, rest = strings.TrimSpace(rest[:i]), strings.TrimSpace(rest[i:])
		} else {
			dl.Text, rest = rest, ""
		}
	}
	if after, ok := strings.CutPrefix(rest, "note:"); ok {
		note := UnescapeField(strings.TrimSpace(after))
		dl.Note, rest = &note, ""
	}
	dl.Rest = rest
}

// cutComment drops everything from the first '#' not escaped by '\'.
func cutComment(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '#':
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

func cutWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

func parseToken(tok string) (int, string, error) {
	seqText, hash, ok := strings.Cut(tok, ".")
	if !ok || len(hash) != 8 {
		return 0, "", fmt.Errorf("bad key")
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return 0, "", err
	}
	seq, err := strconv.Atoi(seqText)
	if err != nil || seq < 0 {
		return 0, "", fmt.Errorf("bad key")
	}
	return seq, strings.ToLower(hash), nil
}

// KeyMatches reports whether the line's key names it.
func (dl *DecisionLine) KeyMatches(it *ReviewItem) bool {
	return it.Seq == dl.Seq && itemHash(it.UserID, it.GroupID) == dl.Hash
}

// Token is the line's key as written.
func (dl *DecisionLine) Token() string { return strconv.Itoa(dl.Seq) + "." + dl.Hash }
