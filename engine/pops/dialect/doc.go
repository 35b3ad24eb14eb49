// Package dialect knows how each contact-center platform hands call
// parameters to a pop page, and turns them into one normalised Call (SPEC §8,
// "Internal pages inside each platform"). The same internal pop page URL is
// configured in every platform's console; /pop/{tenant}/{page} then detects
// which platform called it (Detect), normalises the parameters (Normalize),
// looks the customer up by Call.CustomerNumber and renders the page
// (ARCHITECTURE.md, "One pop request").
//
// The platform documents (the seeds of the product specification) this
// package follows:
//
//	000_*  Aliyun CCC 来电弹屏                      (URL query, HTTP GET)
//	001_*  Tencent TCCC 来电弹屏                    (URL hash + hashchange)
//	002_*  Huawei CEC 座席集成 (scenes 1–3)         (URL GET, form POST, AICCSupport.js events)
//	003_*  CTI 客户端接口说明                       (URL query from the desktop client)
//	004_*  Sobot 智齿 iFrame 接入                   (URL query, or postMessage "selected")
//
// It also holds the means of authorising a pop that do not need a database:
// screenpop's own signed links (sign.go, HMAC-SHA256) with a NonceStore
// interface for replay protection, and Sobot's compatibility signatures
// (sobot.go, MD5). The package is pure logic: no database, no HTTP server,
// no dependency beyond the standard library.
package dialect
