package tables

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
	"github.com/uptrace/bun"
)

// Keyring holds each tenant's data keys (ARCHITECTURE.md, tables): a Tink AEAD keyset for
// sealing encrypted fields and a key for blind indexes and row digests.
// Both are stored in tenant_keys encrypted by the master key, with the
// tenant id as associated data so one tenant's keys cannot be swapped in for
// another's. Opened keysets are cached for KeyCacheTTL; a keyset that
// cannot open a ciphertext is reloaded at once, since another instance may
// have rotated it.
type Keyring struct {
	db  bun.IDB
	kek tink.AEAD

	mu    sync.RWMutex
	cache map[int64]*tenantKeys
	ttl   time.Duration // KeyCacheTTL; tests change it
}

// KeyCacheTTL is how long an instance uses a tenant's keyset as it loaded
// it: after a rotation elsewhere, how long it may go on sealing new values
// with the old primary key. Reseal waits this long after a rotation before
// its last pass, so that no value is left on an old key. A reload is one
// small query per tenant, by one request while the others go on with the
// keys they have.
const KeyCacheTTL = 5 * time.Second

type tenantKeys struct {
	handle     *keyset.Handle
	aead       tink.AEAD
	indexKey   []byte
	primary    uint32
	loaded     time.Time
	refreshing atomic.Bool // one request reloads an expired entry
	// macs holds HMAC states keyed with indexKey: an import hashes every
	// row twice, and a reset state skips hashing the padded key again.
	macs sync.Pool
}

type tenantKeyRow struct {
	bun.BaseModel `bun:"table:tenant_keys"`

	TenantID int64  `bun:",pk"`
	Keyset   []byte `bun:",notnull"`
	IndexKey []byte `bun:",notnull"`
}

// NewKeyring opens the keyring with the master key (32 bytes).
func NewKeyring(db bun.IDB, masterKey []byte) (*Keyring, error) {
	kek, err := subtle.NewAESGCM(masterKey)
	if err != nil {
		return nil, fmt.Errorf("keyring: master key: %w", err)
	}
	return &Keyring{db: db, kek: kek, cache: map[int64]*tenantKeys{}, ttl: KeyCacheTTL}, nil
}

func keysetAD(tenantID int64) []byte {
	return []byte("screenpop:tenant-keyset:" + strconv.FormatInt(tenantID, 10))
}

func indexKeyAD(tenantID int64) []byte {
	return []byte("screenpop:tenant-index-key:" + strconv.FormatInt(tenantID, 10))
}

// keys returns the tenant's keys, creating them on first use.
func (k *Keyring) keys(ctx context.Context, tenantID int64) (*tenantKeys, error) {
	k.mu.RLock()
	tk := k.cache[tenantID]
	k.mu.RUnlock()
	if tk == nil {
		return k.load(ctx, tenantID)
	}
	if time.Since(tk.loaded) < k.ttl || !tk.refreshing.CompareAndSwap(false, true) {
		return tk, nil
	}
	fresh, err := k.load(ctx, tenantID)
	if err != nil {
		// The keys in hand still work; the next request tries again.
		tk.refreshing.Store(false)
		return tk, nil
	}
	return fresh, nil
}

func (k *Keyring) load(ctx context.Context, tenantID int64) (*tenantKeys, error) {
	row := new(tenantKeyRow)
	err := k.db.NewSelect().Model(row).Where("tenant_id = ?", tenantID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		if err := k.create(ctx, tenantID); err != nil {
			return nil, err
		}
		err = k.db.NewSelect().Model(row).Where("tenant_id = ?", tenantID).Scan(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: load tenant %d: %w", tenantID, err)
	}
	tk, err := k.open(tenantID, row)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.cache[tenantID] = tk
	k.mu.Unlock()
	return tk, nil
}

// create makes a tenant's first keys; a concurrent creator wins harmlessly.
func (k *Keyring) create(ctx context.Context, tenantID int64) error {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), k.kek, keysetAD(tenantID)); err != nil {
		return fmt.Errorf("keyring: seal keyset: %w", err)
	}
	indexKey := make([]byte, 32)
	if _, err := rand.Read(indexKey); err != nil {
		return err
	}
	sealedIndex, err := k.kek.Encrypt(indexKey, indexKeyAD(tenantID))
	if err != nil {
		return err
	}
	_, err = k.db.NewInsert().Model(&tenantKeyRow{TenantID: tenantID, Keyset: buf.Bytes(), IndexKey: sealedIndex}).
		On("CONFLICT (tenant_id) DO NOTHING").Exec(ctx)
	if err != nil {
		return fmt.Errorf("keyring: store the keys of tenant %d: %w", tenantID, err)
	}
	return nil
}

func newTenantKeys(h *keyset.Handle, a tink.AEAD, indexKey []byte, primary uint32) *tenantKeys {
	tk := &tenantKeys{handle: h, aead: a, indexKey: indexKey, primary: primary, loaded: time.Now()}
	tk.macs.New = func() any { return hmac.New(sha256.New, indexKey) }
	return tk
}

func (k *Keyring) open(tenantID int64, row *tenantKeyRow) (*tenantKeys, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(row.Keyset)), k.kek, keysetAD(tenantID))
	if err != nil {
		return nil, fmt.Errorf("keyring: open keyset of tenant %d (wrong master key?): %w", tenantID, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, err
	}
	indexKey, err := k.kek.Decrypt(row.IndexKey, indexKeyAD(tenantID))
	if err != nil {
		return nil, fmt.Errorf("keyring: open index key of tenant %d: %w", tenantID, err)
	}
	p, err := h.Primary()
	if err != nil {
		return nil, err
	}
	return newTenantKeys(h, a, indexKey, p.KeyID()), nil
}

func (k *Keyring) forget(tenantID int64) {
	k.mu.Lock()
	delete(k.cache, tenantID)
	k.mu.Unlock()
}

// Seal encrypts plaintext for the tenant with associated data ad.
func (k *Keyring) Seal(ctx context.Context, tenantID int64, plaintext, ad []byte) ([]byte, error) {
	tk, err := k.keys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return tk.aead.Encrypt(plaintext, ad)
}

// Open decrypts a sealed value; a value sealed under a key this instance
// has not seen yet triggers one reload of the keyset.
func (k *Keyring) Open(ctx context.Context, tenantID int64, ciphertext, ad []byte) ([]byte, error) {
	tk, err := k.keys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	pt, err := tk.aead.Decrypt(ciphertext, ad)
	if err == nil {
		return pt, nil
	}
	if id, ok := KeyIDOf(ciphertext); ok && !tk.has(id) {
		k.forget(tenantID)
		if tk, lerr := k.load(ctx, tenantID); lerr == nil {
			return tk.aead.Decrypt(ciphertext, ad)
		}
	}
	return nil, err
}

func (tk *tenantKeys) has(id uint32) bool {
	for _, info := range tk.handle.KeysetInfo().GetKeyInfo() {
		if info.GetKeyId() == id {
			return true
		}
	}
	return false
}

// KeyIDOf reads the key id from a Tink ciphertext: a version byte 0x01 and
// the id as four big-endian bytes.
func KeyIDOf(ciphertext []byte) (uint32, bool) {
	if len(ciphertext) < 5 || ciphertext[0] != 0x01 {
		return 0, false
	}
	return binary.BigEndian.Uint32(ciphertext[1:5]), true
}

// PrimaryKeyID returns the id of the key new values are sealed with.
func (k *Keyring) PrimaryKeyID(ctx context.Context, tenantID int64) (uint32, error) {
	tk, err := k.keys(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	return tk.primary, nil
}

// Rotate adds a new key to the tenant's keyset and makes it primary. Old
// keys stay, so every existing value still opens; Reseal then moves values
// to the new key.
func (k *Keyring) Rotate(ctx context.Context, tenantID int64) (uint32, error) {
	if _, err := k.keys(ctx, tenantID); err != nil { // make sure the row exists
		return 0, err
	}
	var newID uint32
	err := k.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := new(tenantKeyRow)
		if err := tx.NewSelect().Model(row).Where("tenant_id = ?", tenantID).For("UPDATE").Scan(ctx); err != nil {
			return err
		}
		tk, err := k.open(tenantID, row)
		if err != nil {
			return err
		}
		m := keyset.NewManagerFromHandle(tk.handle)
		if newID, err = m.Add(aead.AES256GCMKeyTemplate()); err != nil {
			return err
		}
		if err := m.SetPrimary(newID); err != nil {
			return err
		}
		h, err := m.Handle()
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), k.kek, keysetAD(tenantID)); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*tenantKeyRow)(nil)).Set("keyset = ?", buf.Bytes()).Set("updated_at = now()").
			Where("tenant_id = ?", tenantID).Exec(ctx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("keyring: rotate tenant %d: %w", tenantID, err)
	}
	k.forget(tenantID)
	return newID, nil
}

// untilSettled is how long from now until every instance has dropped the
// keyset it held before the tenant's last rotation (KeyCacheTTL after it),
// by the database's clock; zero when that time has passed.
func (k *Keyring) untilSettled(ctx context.Context, tenantID int64) (time.Duration, error) {
	var ms float64
	err := k.db.NewRaw("SELECT greatest(0, extract(epoch FROM updated_at + ? * interval '1 millisecond' - now()) * 1000) FROM tenant_keys WHERE tenant_id = ?",
		KeyCacheTTL.Milliseconds(), tenantID).Scan(ctx, &ms)
	return time.Duration(ms) * time.Millisecond, err
}

// blindIndex is the keyed hash of a normalised index value within one
// table: equal values give equal keys, so lookups and upserts are exact
// index seeks, while the database never holds the value itself.
func (k *Keyring) blindIndex(ctx context.Context, tenantID, tableID int64, normalized string) ([]byte, error) {
	tk, err := k.keys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return tk.keyedHash("index", tableID, []byte(normalized)), nil
}

// suffixIndex is the blind index of the last digits of an encrypted index
// value: the same key as blindIndex, another purpose, so a suffix key never
// equals an index key.
func (k *Keyring) suffixIndex(ctx context.Context, tenantID, tableID int64, suffix string) ([]byte, error) {
	tk, err := k.keys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return tk.keyedHash("index-suffix", tableID, []byte(suffix)), nil
}

// digest is the keyed hash of a row's content, compared on upsert.
func (k *Keyring) digest(ctx context.Context, tenantID, tableID int64, content []byte) ([]byte, error) {
	tk, err := k.keys(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return tk.keyedHash("digest", tableID, content), nil
}

// keyedHash is HMAC-SHA256 with the index key over purpose, a zero byte,
// the table id (8 bytes, big-endian) and data.
func (tk *tenantKeys) keyedHash(purpose string, tableID int64, data []byte) []byte {
	m := tk.macs.Get().(hash.Hash)
	defer tk.macs.Put(m)
	m.Reset()
	m.Write([]byte(purpose))
	var id [9]byte
	binary.BigEndian.PutUint64(id[1:], uint64(tableID))
	m.Write(id[:])
	m.Write(data)
	return m.Sum(nil)
}
