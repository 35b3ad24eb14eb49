// Package external is screenpop's side of the queryCustomer contract (SPEC
// §6, Huawei H5.3/H5.4) on top of engine/querycustomer:
//
//   - the operator's registry of external interfaces (URL, sealed extra
//     headers, timeout, retries, https or explicitly http) and the tenants
//     granted each one;
//   - the operator's allow-list of private address prefixes for the
//     connector's dial guard;
//   - the connector: pages.ExternalSource over one shared, keep-alive
//     querycustomer.Client, so external pages render from an enterprise's
//     endpoint;
//   - the server (Server, built apart because pages render through the
//     connector): the same contract answered from a published page of base
//     tables, for an API key bound to that page.
package external

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/tink"
	"github.com/uptrace/bun"

	"github.com/screenpop/screenpop/engine/querycustomer"
)

// CacheTTL is how long an instance trusts what it read of an interface (its
// endpoint, headers and grants) and of the allow-list. A change made on this
// instance applies at once; one made on another instance within CacheTTL.
const CacheTTL = 5 * time.Second

// Service is the registry and the connector.
type Service struct {
	db   bun.IDB
	aead tink.AEAD

	client atomic.Pointer[querycustomer.Client]

	mu    sync.Mutex
	cache map[int64]*cached // interface id → what a Fetch needs

	allowMu     sync.Mutex
	allowLoaded atomic.Int64 // unix nanoseconds of the last load; 0 = never
	allowBusy   atomic.Bool

	now func() time.Time

	// ObserveCall, when set, is told of every call to an interface: how
	// long it took and its outcome ("ok" or the error kind) — metrics.
	ObserveCall func(interfaceID int64, took time.Duration, outcome string)
}

// New builds the service: key is the 32-byte subkey that seals interface
// headers (engine.New derives it from the master key for this one purpose).
// The connector's client is created here, one per process, and kept for its
// pool of keep-alive connections.
func New(db bun.IDB, key []byte) (*Service, error) {
	a, err := subtle.NewAESGCM(key)
	if err != nil {
		return nil, err
	}
	s := &Service{db: db, aead: a, cache: map[int64]*cached{}, now: time.Now}
	s.client.Store(querycustomer.NewClient(querycustomer.Options{}))
	return s, nil
}

// Client is the shared connector client.
func (s *Service) Client() *querycustomer.Client { return s.client.Load() }

// UseClient replaces the connector's client, keeping the operator's
// allow-list. It is for tests, whose endpoints listen on loopback (a client
// built with AllowLoopback); production keeps the client New made.
func (s *Service) UseClient(c *querycustomer.Client) {
	old := s.client.Swap(c)
	if old != nil && old != c {
		old.CloseIdleConnections()
	}
	s.allowLoaded.Store(0) // apply the allow-list to the new client on next use
}

// Close releases pooled connections (at shutdown).
func (s *Service) Close() { s.Client().CloseIdleConnections() }

// invalidate forgets every cached interface after a local write.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.cache = map[int64]*cached{}
	s.mu.Unlock()
}
