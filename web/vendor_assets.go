package web

import _ "embed"

// The admin UI's front-end libraries come from npm (package-lock.json) and
// are copied into static/vendor/ by `make web-assets`; they are generated,
// not committed. Without them the build stops right here with "pattern
// static/vendor/Sortable.min.js: no matching files found":
//
//	run `make web-assets` (make build, make run and make test do it too).
//
//go:embed static/vendor/Sortable.min.js
var vendorSortable []byte

//go:embed static/vendor/feather-sprite.svg
var vendorIcons []byte

func init() {
	if len(vendorSortable) == 0 || len(vendorIcons) == 0 {
		panic("web/static/vendor/ is incomplete: run `make web-assets`")
	}
}
