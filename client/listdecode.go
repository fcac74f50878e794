package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeJSON decodes body into out as json.Unmarshal does; list pages go
// through ListResponse.decodePage.
func decodeJSON(body []byte, out any) error {
	if p, ok := out.(pageDecoder); ok {
		return p.decodePage(body)
	}
	return json.Unmarshal(body, out)
}

type pageDecoder interface{ decodePage(body []byte) error }

// pageOptions make encoding/json/v2 read a list page as leniently as
// encoding/json reads the rest of the API: servers vary the case of keys
// ("resources", "Resources"), a repeated key is taken as its last value,
// and a string that is not valid UTF-8 gets U+FFFD rather than failing a
// whole page of 1,000 users.
var pageOptions = jsonv2.JoinOptions(
	jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
)

// yieldEvery is how many resources a page decodes between yields.
const yieldEvery = 10

// decodePage decodes a list page one resource at a time with
// encoding/json/v2 (the go-json-experiment module, which becomes the
// standard library's in Go 1.27), yielding the processor every yieldEvery
// resources.
//
// Why v2: decoding 100,000 users of SCIM JSON was most of a sync's CPU;
// encoding/json scans every value twice (once to find its end, once to
// decode it) and allocates per token, v2 decodes in one pass, about three
// times faster here.
//
// Why yield: a 1,000-user page is several milliseconds of CPU in one
// piece, and the Go scheduler preempts a goroutine only after 10 ms: on a
// machine with fewer cores than pages being decoded, the other responses
// in flight waited that long to be read, holding their slots (see
// Client.hold).
//
// The result is jsonv2.Unmarshal's with pageOptions (FuzzDecodePage): any
// error fails the whole page.
func (l *ListResponse[T]) decodePage(body []byte) error {
	err := l.decodeFrom(jsontext.NewDecoder(bytes.NewReader(body), pageOptions))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// What json.Unmarshal says of a truncated body.
		return errors.New("unexpected end of JSON input")
	}
	return err
}

func (l *ListResponse[T]) decodeFrom(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		return trailing(dec)
	case '{':
	case 0:
		_, err := dec.ReadToken() // the syntax error, or EOF
		return orUnexpectedEOF(err)
	default:
		return fmt.Errorf("json: cannot unmarshal %v into a list response", kindName(dec.PeekKind()))
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return orUnexpectedEOF(err)
		}
		key := tok.String()
		switch {
		case strings.EqualFold(key, "Resources"):
			err = l.decodeResources(dec)
		case strings.EqualFold(key, "schemas"):
			err = jsonv2.UnmarshalDecode(dec, &l.Schemas)
		case strings.EqualFold(key, "totalResults"):
			err = jsonv2.UnmarshalDecode(dec, &l.TotalResults)
		case strings.EqualFold(key, "startIndex"):
			err = jsonv2.UnmarshalDecode(dec, &l.StartIndex)
		case strings.EqualFold(key, "itemsPerPage"):
			err = jsonv2.UnmarshalDecode(dec, &l.ItemsPerPage)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return orUnexpectedEOF(err)
		}
	}
	if _, err := dec.ReadToken(); err != nil { // the closing brace
		return orUnexpectedEOF(err)
	}
	return trailing(dec)
}

func (l *ListResponse[T]) decodeResources(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		l.Resources = nil
		return err
	case '[':
	case 0:
		_, err := dec.ReadToken()
		return err
	default:
		return fmt.Errorf("json: cannot unmarshal %v into Resources", kindName(dec.PeekKind()))
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	// As jsonv2.Unmarshal: a fresh slice (room already there is reused,
	// each element zeroed first), an empty array is not nil.
	l.Resources = l.Resources[:0]
	if l.Resources == nil {
		l.Resources = []T{}
	}
	var zero T
	for i := 1; dec.PeekKind() != ']'; i++ {
		if dec.PeekKind() == 0 {
			_, err := dec.ReadToken()
			return err
		}
		l.Resources = append(l.Resources, zero)
		if err := jsonv2.UnmarshalDecode(dec, &l.Resources[len(l.Resources)-1]); err != nil {
			return err
		}
		if i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
	_, err := dec.ReadToken() // the closing bracket
	return err
}

// trailing fails when anything but white space follows the value.
func trailing(dec *jsontext.Decoder) error {
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if err == nil {
			err = errors.New("json: invalid character after top-level value")
		}
		return err
	}
	return nil
}

// orUnexpectedEOF reports a body that ends inside a value as truncated.
func orUnexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '[':
		return "array"
	case '{':
		return "object"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "bool"
	}
	return "value"
}
