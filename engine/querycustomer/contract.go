// Package querycustomer implements the queryCustomer contract (SPEC §6, Huawei
// seed H5.3): the enterprise customer API that fills external custom pages.
//
// It has three parts:
//
//   - the wire types (Request, Object, Value, DictItem), used verbatim when
//     screenpop serves the contract from its own base tables;
//   - Parse, a lenient reader for replies from real endpoints, which are
//     sloppy (the seed's own example splits one value in two): it renders
//     what it can and lists every departure from the contract as a
//     Violation, so an admin can fix the endpoint while agents still see data;
//   - Client, the one HTTP client through which screenpop calls enterprise
//     endpoints, guarded against SSRF at dial time, bounded in time and size.
//
// The package has no database and no web framework; its HTTP client is
// fasthttp (see transport.go).
package querycustomer

// DefaultPath is the request path the seed gives as its example. Interfaces
// may configure another one; it is kept here so callers share one spelling.
const DefaultPath = "/rest/v1/queryCustomer"

// Request is the body screenpop POSTs: {"param": "152****1028"}.
type Request struct {
	Param string `json:"param"`
}

// Object is one element of the reply array: a titled group of values (one
// section of a block-layout page).
type Object struct {
	ObjectName string  `json:"objectName"`
	Values     []Value `json:"values"`
}

// Value is one field of an Object, as the contract spells it. Every member is
// a string on the wire except value (any JSON scalar) and isMandatory
// (boolean); the omitempty members are the optional ones.
type Value struct {
	ValueNo     string     `json:"valueNo,omitempty"`
	Name        string     `json:"name"`
	Value       any        `json:"value"`
	Type        string     `json:"type"`
	Length      string     `json:"length,omitempty"`
	IsMandatory bool       `json:"isMandatory"`
	MaskStyle   string     `json:"maskStyle,omitempty"`
	DictItems   []DictItem `json:"dictItems,omitempty"`
}

// DictItem is one entry of a type-5 value's dictionary: the stored key and
// the label shown to the agent.
type DictItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ValueType is the contract's "type" member, as a number.
type ValueType int

// The five types of the contract. Anything else (or nothing) is read as
// TypeString, so an unknown type still shows its text.
const (
	TypeString ValueType = 1 // 字符串
	TypeNumber ValueType = 2 // 数字型
	TypeDate   ValueType = 3 // 日期, YYYY-MM-DD
	TypeTime   ValueType = 4 // 时间, HH:MM[:SS] or YYYY-MM-DD HH:MM:SS
	TypeDict   ValueType = 5 // 数据字典: value is a key of dictItems
)

// MaskStyle is the contract's "maskStyle" member, as a number.
type MaskStyle int

// Mask styles. The seed: "1: 后四位展示, 2: 前四位展示, 空或不传正常展示" —
// 1 shows only the last four characters, 2 only the first four, and an empty
// or absent maskStyle shows the value as it is.
const (
	MaskNone       MaskStyle = 0
	MaskShowLast4  MaskStyle = 1
	MaskShowFirst4 MaskStyle = 2
)
