package dialect

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Sobot's page-to-workbench messages (seed 004): what a page framed by
// Sobot's workbench posts to window.parent to create a ticket or send the
// visitor a product or order card. The formats are Sobot's, field for
// field and in the seed's order; the pop posts them to the workbench's
// origin, never "*" as the seed's samples do.

// SobotMessageKind is one of the three messages.
type SobotMessageKind string

// The kinds, named as the page builder's actions are.
const (
	SobotTicket      SobotMessageKind = "sobot_ticket"       // type:"createOrder"
	SobotProductCard SobotMessageKind = "sobot_product_card" // msgType 24
	SobotOrderCard   SobotMessageKind = "sobot_order_card"   // msgType 25
)

// Param is one named value of a message, in the order given.
type Param struct {
	Name, Value string
}

// ErrSobotMessageKind: not one of the three kinds.
var ErrSobotMessageKind = errors.New("dialect: unknown Sobot message kind")

// SobotMessage builds the message of kind from params; now is the order
// card's createTime when none is given (the seed's +new Date()).
//
//   - ticket: {"type":"createOrder","params":{<field id>:<value>,…}} — "type:"createOrder",
//     固定格式必须传递; params JSON 格式对象,对象中就是自定义字段配置的参数 id".
//   - product card: {"cid","uid","msgType":24,"miniPage":JSON text of
//     {"title","url","description","label","thumbnail"}}.
//   - order card: {"cid","uid","msgType":25,"miniPage":JSON text of
//     {"orderStatus","statusCustom","createTime","orderCode","orderUrl",
//     "totalFee","goodsCount","goods"}}; orderStatus, createTime and
//     goodsCount are numbers, goods an array of {"name","pictureUrl"}.
func SobotMessage(kind SobotMessageKind, params []Param, now time.Time) (json.RawMessage, error) {
	get := func(name string) string {
		for _, p := range params {
			if p.Name == name {
				return strings.TrimSpace(p.Value)
			}
		}
		return ""
	}
	switch kind {
	case SobotTicket:
		var b bytes.Buffer
		b.WriteString(`{"type":"createOrder","params":{`)
		for i, p := range params {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(jsonText(p.Name))
			b.WriteByte(':')
			b.Write(jsonText(p.Value))
		}
		b.WriteString(`}}`)
		return b.Bytes(), nil
	case SobotProductCard:
		page := sobotProduct{Title: get("title"), URL: get("url"), Description: get("description"),
			Label: get("label"), Thumbnail: get("thumbnail")}
		return sobotCard(get("cid"), get("uid"), 24, page)
	case SobotOrderCard:
		return sobotCard(get("cid"), get("uid"), 25, orderData(get, now))
	}
	return nil, ErrSobotMessageKind
}

type sobotProduct struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	Description string `json:"description"`
	Label       string `json:"label"`
	Thumbnail   string `json:"thumbnail"`
}

type sobotOrder struct {
	OrderStatus  int          `json:"orderStatus"`
	StatusCustom string       `json:"statusCustom"`
	CreateTime   int64        `json:"createTime"`
	OrderCode    string       `json:"orderCode"`
	OrderURL     string       `json:"orderUrl"`
	TotalFee     string       `json:"totalFee"`
	GoodsCount   int          `json:"goodsCount"`
	Goods        []sobotGoods `json:"goods"`
}

type sobotGoods struct {
	Name       string `json:"name"`
	PictureURL string `json:"pictureUrl"`
}

type sobotCardMessage struct {
	CID      string `json:"cid"`
	UID      string `json:"uid"`
	MsgType  int    `json:"msgType"`
	MiniPage string `json:"miniPage"`
}

func sobotCard(cid, uid string, msgType int, page any) (json.RawMessage, error) {
	mini := jsonText(page)
	return jsonText(sobotCardMessage{CID: cid, UID: uid, MsgType: msgType, MiniPage: string(mini)}), nil
}

// sobotOrderStatus is the seed's enumeration (orderStatus 订单状态枚举值).
var sobotOrderStatus = map[string]int{"待付款": 1, "待发货": 2, "运输中": 3, "派送中": 4, "已完成": 5, "待评价": 6, "已取消": 7}

// orderData reads the order card's fields. A status given as the seed's
// label (待付款) becomes its number; any other text is status 0 with the
// text as statusCustom ("当orderStatus=0的时候,取该字段作为订单卡片的状态").
func orderData(get func(string) string, now time.Time) sobotOrder {
	o := sobotOrder{StatusCustom: get("statusCustom"), OrderCode: get("orderCode"), OrderURL: get("orderUrl"),
		TotalFee: get("totalFee"), Goods: []sobotGoods{}}
	st := get("orderStatus")
	if n, err := strconv.Atoi(st); err == nil && n >= 0 && n <= 7 {
		o.OrderStatus = n
	} else if n, ok := sobotOrderStatus[st]; ok {
		o.OrderStatus = n
	} else if st != "" && o.StatusCustom == "" {
		o.StatusCustom = st
	}
	o.CreateTime = sobotTime(get("createTime"), now)
	if g := get("goods"); g != "" {
		if err := json.Unmarshal([]byte(g), &o.Goods); err != nil || o.Goods == nil {
			o.Goods = []sobotGoods{}
		}
	}
	o.GoodsCount = len(o.Goods)
	if n, err := strconv.Atoi(get("goodsCount")); err == nil && n >= 0 {
		o.GoodsCount = n
	}
	return o
}

// sobotTime reads createTime (下单时间 时间戳, milliseconds as +new Date()
// gives): a number (seconds when below 1e11, as parseSobotTime reads
// Sobot's own), or a date or date and time as base tables store them, in
// China's time; anything else is now.
func sobotTime(s string, now time.Time) int64 {
	if s == "" {
		return now.UnixMilli()
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 1e11 {
			return int64(n * 1000)
		}
		return int64(n)
	}
	china := time.FixedZone("CST", 8*3600)
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, china); err == nil {
			return t.UnixMilli()
		}
	}
	return now.UnixMilli()
}

// jsonText is JSON as JavaScript's JSON.stringify writes it: &, < and >
// unescaped, no trailing newline.
func jsonText(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // strings and plain structs only
	return bytes.TrimRight(b.Bytes(), "\n")
}
