package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
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

// yieldEvery is how many resources a page decodes between yields.
const yieldEvery = 10

// decodePage is json.Unmarshal into l, one resource at a time, yielding
// the processor every yieldEvery resources. A 1,000-user page is ~10 ms of
// CPU in one piece, and the Go scheduler preempts a goroutine only after
// 10 ms: on a machine with fewer cores than pages being decoded, the other
// responses in flight waited that long to be read, holding their slots
// (see Client.hold). The result is json.Unmarshal's: keys match
// case-insensitively, unknown keys are skipped, the last duplicate wins,
// null leaves l as it is, and any error fails the whole page.
func (l *ListResponse[T]) decodePage(body []byte) error {
	err := l.decodeFrom(json.NewDecoder(bytes.NewReader(body)))
	if errors.Is(err, io.ErrUnexpectedEOF) {
		// What json.Unmarshal says of a truncated body.
		return errors.New("unexpected end of JSON input")
	}
	return err
}

func (l *ListResponse[T]) decodeFrom(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil { // null
		return trailing(dec)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("json: cannot unmarshal %v into a list response", tokenKind(tok))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "Resources"):
			err = l.decodeResources(dec)
		case strings.EqualFold(key, "schemas"):
			err = dec.Decode(&l.Schemas)
		case strings.EqualFold(key, "totalResults"):
			err = dec.Decode(&l.TotalResults)
		case strings.EqualFold(key, "startIndex"):
			err = dec.Decode(&l.StartIndex)
		case strings.EqualFold(key, "itemsPerPage"):
			err = dec.Decode(&l.ItemsPerPage)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return err
	}
	return trailing(dec)
}

func (l *ListResponse[T]) decodeResources(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		l.Resources = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("json: cannot unmarshal %v into Resources", tokenKind(tok))
	}
	// As json.Unmarshal: the length is reset, room already there is
	// decoded into, an empty array is not nil.
	l.Resources = l.Resources[:0]
	if l.Resources == nil {
		l.Resources = []T{}
	}
	for i := 1; dec.More(); i++ {
		n := len(l.Resources)
		if n < cap(l.Resources) {
			l.Resources = l.Resources[:n+1]
		} else {
			var zero T
			l.Resources = append(l.Resources, zero)
		}
		if err := dec.Decode(&l.Resources[n]); err != nil {
			return err
		}
		if i%yieldEvery == 0 {
			runtime.Gosched()
		}
	}
	_, err = dec.Token() // the closing bracket
	return err
}

// trailing fails when anything but white space follows the value.
func trailing(dec *json.Decoder) error {
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("json: invalid character after top-level value")
		}
		return err
	}
	return nil
}

func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "value"
}
