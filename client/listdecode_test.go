package client

import (
	"encoding/json"
	"reflect"

	jsonv2 "github.com/go-json-experiment/json"
	"strings"
	"testing"
)

// FuzzDecodePage: a list page decoded resource by resource (decodePage)
// gives exactly what jsonv2.Unmarshal of the whole body gives with the same
// options: the same pages accepted, the same values.
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
		errWant, errGot := jsonv2.Unmarshal(data, &want, pageOptions), got.decodePage(data)
		if (errWant == nil) != (errGot == nil) {
			t.Fatalf("%q: jsonv2.Unmarshal says %v, decodePage %v", data, errWant, errGot)
		}
		if errWant == nil && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q:\nUnmarshal  %+v\ndecodePage %+v", data, want, got)
		}
		var wantG, gotG ListResponse[Group]
		if (jsonv2.Unmarshal(data, &wantG, pageOptions) == nil) != (gotG.decodePage(data) == nil) {
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

// TestDecodePageAsEncodingJSON: on the pages SCIM servers send, odd ones
// included, the v2 decoder reads what encoding/json (which reads every other
// response) reads.
func TestDecodePageAsEncodingJSON(t *testing.T) {
	for _, page := range []string{
		`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":7,"startIndex":1,"itemsPerPage":2,"Resources":[` + fuzzUserSeeds[0] + `,{"id":"x"}]}`,
		`{"totalresults":2,"resources":[{"ID":"a","USERNAME":"A@B.C","Active":true,"Emails":[{"Value":"a@b.c","Primary":true}]}]}`,
		`{"Resources":[{"id":"a","userName":"first","userName":"second","extra":{"deep":[1,2.5,null,"x"]}}],"unknown":1e400}`,
		`{"Resources":[{"id":"a","displayName":"bad ` + "\xff" + ` byte","title":"\u00e9\ud83d\ude00 \ud800"}]}`,
		`{"Resources":[{"id":"a","groups":null,"emails":[],"meta":null,"name":{"givenName":null}}],"totalResults":1}`,
		`{"Resources":[]}`, `{"Resources":null}`, `{}`, `null`,
	} {
		var want, got ListResponse[User]
		if err := json.Unmarshal([]byte(page), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", page, err)
		}
		if err := got.decodePage([]byte(page)); err != nil {
			t.Fatalf("%s: decodePage: %v", page, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s:\nencoding/json %+v\ndecodePage    %+v", page, want, got)
		}
	}
}
