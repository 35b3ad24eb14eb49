package dialect

import (
	"slices"
	"testing"
)

func TestDescriptors(t *testing.T) {
	ds := Descriptors()
	if len(ds) != len(Names()) {
		t.Fatalf("%d descriptors for %d dialects", len(ds), len(Names()))
	}
	transports := []string{TransportQuery, TransportForm, TransportPostMessage, TransportHash}
	for i, d := range ds {
		if d.Name != Names()[i] {
			t.Errorf("descriptor %d is %q, want %q", i, d.Name, Names()[i])
		}
		if d.Platform == "" || d.PlatformZH == "" || d.CustomerKey == "" || d.CustomerKeyZH == "" || d.Note == "" || d.NoteZH == "" || d.Seed == "" {
			t.Errorf("%s: empty field in %+v", d.Name, d)
		}
		if !slices.Contains(transports, d.Transport) {
			t.Errorf("%s: transport %q", d.Name, d.Transport)
		}
		if len(d.Params) == 0 {
			t.Errorf("%s: no params", d.Name)
		}
		seen := map[string]bool{}
		for _, p := range d.Params {
			if p.Name == "" || p.Meaning == "" || p.MeaningZH == "" || seen[p.Name] {
				t.Errorf("%s: param %+v", d.Name, p)
			}
			seen[p.Name] = true
		}
	}
	// The documented parameters of the URL dialects are the ones detection
	// recognises as that platform's, so the help page and Detect agree.
	for _, n := range []Name{HuaweiGet, HuaweiPost, Aliyun, Tencent, CTI, Sobot} {
		d, _ := Describe(n)
		for _, p := range d.Params {
			if got, err := Detect(map[string]string{p.Name: sampleValue(n, p.Name)}, methodFor(n), ""); err == nil && got != n {
				t.Errorf("%s documents %q, which Detect takes for %s", n, p.Name, got)
			}
		}
	}
	// Descriptors returns copies.
	ds[0].Params[0].Name = "changed"
	if Descriptors()[0].Params[0].Name == "changed" {
		t.Error("Descriptors shares its slices")
	}
	if _, ok := Describe("nope"); ok {
		t.Error("Describe unknown")
	}
}

func sampleValue(n Name, param string) string {
	switch param {
	case "callType":
		if n == Aliyun {
			return "Inbound"
		}
		return "0"
	case "mediaType":
		return "1"
	case "origin":
		return "1"
	case "status":
		return "100"
	case "type":
		return "phone"
	}
	return "x"
}

func methodFor(n Name) string {
	if n == HuaweiPost {
		return "POST"
	}
	return "GET"
}
