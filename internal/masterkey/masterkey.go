// Package masterkey loads screenpop's master key (the key-encryption key):
// 32 random bytes kept base64-encoded in a file that only the owner can read.
// Every other secret (CSRF and link-signing keys, tenant data keysets) is
// derived from it or wrapped by it, so it is the one file to back up.
package masterkey

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Size is the key length in bytes.
const Size = 32

// Key is the master key.
type Key struct{ raw []byte }

// Load reads the key at path. When the file does not exist and create is
// true, a new random key is written there with mode 0600.
func Load(path string, create bool) (Key, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return generate(path)
	}
	if err != nil {
		return Key{}, fmt.Errorf("master key %s: %w", path, err)
	}
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("master key %s: mode %o lets others read it; run chmod 600 %s", path, info.Mode().Perm(), path)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(raw) != Size {
		return Key{}, fmt.Errorf("master key %s: want %d bytes, base64-encoded", path, Size)
	}
	return Key{raw: raw}, nil
}

func generate(path string) (Key, error) {
	raw := make([]byte, Size)
	if _, err := rand.Read(raw); err != nil {
		return Key{}, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Key{}, fmt.Errorf("master key: %w", err)
	}
	// O_EXCL: if another process created the key a moment ago, use theirs.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return Load(path, false)
	}
	if err != nil {
		return Key{}, fmt.Errorf("master key: %w", err)
	}
	_, err = f.WriteString(base64.StdEncoding.EncodeToString(raw) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Key{}, fmt.Errorf("master key: %w", err)
	}
	return Key{raw: raw}, nil
}

// FromBytes wraps raw key material (tests and KMS integrations).
func FromBytes(raw []byte) (Key, error) {
	if len(raw) != Size {
		return Key{}, fmt.Errorf("master key: want %d bytes, got %d", Size, len(raw))
	}
	return Key{raw: append([]byte(nil), raw...)}, nil
}

// Derive returns a purpose-bound subkey (HKDF-SHA256), so that a key used for
// one job (say, CSRF tokens) can never be confused with another's.
func (k Key) Derive(purpose string, size int) []byte {
	out, err := hkdf.Key(sha256.New, k.raw, nil, "screenpop:"+purpose, size)
	if err != nil {
		panic(err) // only for sizes beyond 255*32 bytes
	}
	return out
}

// Bytes returns the raw key for wrapping data keysets.
func (k Key) Bytes() []byte { return k.raw }
