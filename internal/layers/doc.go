// Package layers has no code: its test checks the import direction of the
// whole module (see layers_test.go and ARCHITECTURE.md).
package layers
