// Package testengine wires the engine's services for package tests the way
// the server does, on the test package's database (testkit.DB).
package testengine

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/screenpop/screenpop/engine"
	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/internal/masterkey"
	"github.com/screenpop/screenpop/testkit"
)

// masterKey is fixed: it protects generated test data only.
var masterKey = []byte("0123456789abcdef0123456789abcdef")

// New returns an engine on the package database; its background work
// stops when the test ends.
func New(tb testing.TB) *engine.Engine {
	tb.Helper()
	key, err := masterkey.FromBytes(masterKey)
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := engine.New(testkit.DB(tb), key)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(eng.External.Close)
	return eng
}

var seq atomic.Int64

// Unique is prefix with a number no other call in this process returns.
func Unique(prefix string) string { return prefix + strconv.FormatInt(seq.Add(1), 10) }

// Tenant creates a tenant with a unique slug and returns its id.
func Tenant(tb testing.TB, eng *engine.Engine) int64 {
	tb.Helper()
	tn, err := eng.Accounts.CreateTenant(context.Background(), accounts.NewTenant{Slug: Unique("t"), Name: "T"})
	if err != nil {
		tb.Fatal(err)
	}
	return tn.ID
}
