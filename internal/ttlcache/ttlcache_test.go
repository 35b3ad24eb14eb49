package ttlcache

import (
	"errors"
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	c := New[int, string](50 * time.Millisecond)
	loads := 0
	load := func(v string) func() (string, error) {
		return func() (string, error) { loads++; return v, nil }
	}
	tests := []struct {
		name      string
		do        func() (string, error)
		want      string
		wantLoads int
	}{
		{"first read loads", func() (string, error) { return c.Get(1, load("a")) }, "a", 1},
		{"second read is cached", func() (string, error) { return c.Get(1, load("b")) }, "a", 1},
		{"invalidate makes it load", func() (string, error) { c.Invalidate(); return c.Get(1, load("c")) }, "c", 2},
		{"expiry makes it load", func() (string, error) { time.Sleep(60 * time.Millisecond); return c.Get(1, load("d")) }, "d", 3},
		{"errors are not cached", func() (string, error) {
			_, err := c.Get(2, func() (string, error) { loads++; return "", errors.New("down") })
			if err == nil {
				t.Fatal("no error")
			}
			return c.Get(2, load("e"))
		}, "e", 5},
		// A read that straddles an Invalidate returns what it read but
		// does not keep it.
		{"read during invalidate is not stored", func() (string, error) {
			v, err := c.Get(3, func() (string, error) { loads++; c.Invalidate(); return "stale", nil })
			if v != "stale" || err != nil {
				t.Fatalf("%q %v", v, err)
			}
			return c.Get(3, load("fresh"))
		}, "fresh", 7},
	}
	for _, tt := range tests {
		got, err := tt.do()
		if err != nil || got != tt.want || loads != tt.wantLoads {
			t.Fatalf("%s: got %q, %v after %d loads; want %q after %d", tt.name, got, err, loads, tt.want, tt.wantLoads)
		}
	}
}
