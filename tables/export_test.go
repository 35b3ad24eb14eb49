package tables

import "time"

// SetCacheTTLForTests changes how long this keyring keeps a tenant's keys:
// long, to hold an instance deterministically on a keyset from before a
// rotation; short, to see it reload.
func (k *Keyring) SetCacheTTLForTests(d time.Duration) { k.ttl = d }
