package client

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodePage: a list page decoded resource by resource (decodePage)
// gives exactly what json.Unmarshal gives: the same pages accepted, the
// same values.
func FuzzDecodePage(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":7,"startIndex":1,"itemsPerPage":2,"Resources":[` + fuzzUserSeeds[0] + `,{"id":"x"}]}`,
		`{"totalResults":-1,"Resources":null}`, `{"totalResults":"7","resources":[]}`, `{"totalResults":1e400}`,
		`{"Resources":[null,{},1]}`, `{"RESOURCES":[{"id":"a"}],"Resources":[{"userName":"b"}]}`, `null`, ` {} `, `{} x`,
		`[]`, `{"a":{"b":[1,2,{"c":null}]},"Resources":[{"id":"a","groups":[{"value":"g"}]}]}`, `{"Resources":[{"id":"a"}`,
		`{"ſchemas":["x"],"itemsperpage":3}`, `{"Resources":{}}`, `"x"`, ``, `{"Resources":[{"id":"\ud800"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want, got ListResponse[User]
		errWant, errGot := json.Unmarshal(data, &want), got.decodePage(data)
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("%q: json.Unmarshal says %v, decodePage %v", data, errWant, errGot)
		}
		if errWant == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q:\nUnmarshal  %+v\ndecodePage %+v", data, want, got)
		}
		var wantG, gotG ListResponse[Group]
		if (json.Unmarshal(data, &wantG) == nil) != (gotG.decodePage(data) == nil) {
			t.Fatalf("%q: groups: acceptance differs", data)
		}
	})
}

// TestDecodePageTruncated: a cut body reads as json.Unmarshal words it, which
// is what error messages and tests look for.
func TestDecodePageTruncated(t *testing.T) {
	var l ListResponse[User]
	err := l.decodePage([]byte(`{"totalResults":3,"Resources":[{"id":"a"},{"id":`))
	if err == nil || !strings.Contains(err.Error(), "unexpected end of JSON input") {
		t.Fatalf("err = %v", err)
	}
}
