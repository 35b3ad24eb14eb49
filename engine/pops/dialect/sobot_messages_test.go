package dialect

import (
	"encoding/json"
	"testing"
	"time"
)

// The three page-to-workbench messages of seed 004, built from the values
// of the seed's own samples, must come out as the samples post them.
func TestSobotMessagesAsTheSeedWritesThem(t *testing.T) {
	now := time.UnixMilli(1700000000000)
	cases := []struct {
		name   string
		kind   SobotMessageKind
		params []Param
		want   string
	}{
		{
			// seed 004 接入工单: window.parent.postMessage({type:"createOrder",
			// params:{"card_title":"云客服_智齿客服","card_url":"http://www.sobot.com",…}},"*")
			name: "ticket",
			kind: SobotTicket,
			params: []Param{{"card_title", "云客服_智齿客服"}, {"card_url", "http://www.sobot.com"},
				{"card_desc", "云客服,在线客服系统,云呼叫中心,机器人客服,工单客服,智能客服"}, {"card_note", "1500元"},
				{"card_picture", "https://img.sobot.com/console/common/face/admin.png"}},
			want: `{"type":"createOrder","params":{"card_title":"云客服_智齿客服","card_url":"http://www.sobot.com","card_desc":"云客服,在线客服系统,云呼叫中心,机器人客服,工单客服,智能客服","card_note":"1500元","card_picture":"https://img.sobot.com/console/common/face/admin.png"}}`,
		},
		{
			// seed 004 发送商品卡片: {cid: "", uid: "", msgType: 24, miniPage:JSON.stringify({"title":…,"url":…,"description":…,"label":"100元","thumbnail":…})}
			name: "product card",
			kind: SobotProductCard,
			params: []Param{{"title", "北京智齿科技股份有限公司"}, {"url", "https://www.baidu.com?a=1&b=2"},
				{"description", "我是放羊的,你是砍柴的。"}, {"label", "100元"}, {"thumbnail", "https://img.sobot.com/x.png"}, {"cid", ""}, {"uid", ""}},
			want: `{"cid":"","uid":"","msgType":24,"miniPage":"{\"title\":\"北京智齿科技股份有限公司\",\"url\":\"https://www.baidu.com?a=1&b=2\",\"description\":\"我是放羊的,你是砍柴的。\",\"label\":\"100元\",\"thumbnail\":\"https://img.sobot.com/x.png\"}"}`,
		},
		{
			// seed 004 发送订单卡片: {cid: '111111', uid: '222222', msgType: 25, miniPage:JSON.stringify(data)},
			// data = {orderStatus:1, statusCustom:"自定义状态", createTime:+new Date(), orderCode:'88888888',
			// orderUrl:'http://order.com/1', totalFee:'100', goodsCount:2, goods:JSON.parse(getValue('goods'))}
			name: "order card",
			kind: SobotOrderCard,
			params: []Param{{"orderStatus", "待付款"}, {"statusCustom", "自定义状态"}, {"orderCode", "88888888"},
				{"orderUrl", "http://order.com/1"}, {"totalFee", "100"}, {"goodsCount", "2"},
				{"goods", `[{"name":"商品名称1","pictureUrl":"http://goodsPicture1"},{"name":"商品名称2","pictureUrl":"http://goodsPicture2"}]`},
				{"cid", "111111"}, {"uid", "222222"}},
			want: `{"cid":"111111","uid":"222222","msgType":25,"miniPage":"{\"orderStatus\":1,\"statusCustom\":\"自定义状态\",\"createTime\":1700000000000,\"orderCode\":\"88888888\",\"orderUrl\":\"http://order.com/1\",\"totalFee\":\"100\",\"goodsCount\":2,\"goods\":[{\"name\":\"商品名称1\",\"pictureUrl\":\"http://goodsPicture1\"},{\"name\":\"商品名称2\",\"pictureUrl\":\"http://goodsPicture2\"}]}"}`,
		},
		{
			// "当orderStatus=0的时候,取该字段作为订单卡片的状态": an unknown
			// status is 0 with its text; a date createTime in China's time;
			// goodsCount counted from goods.
			name:   "order card, custom status",
			kind:   SobotOrderCard,
			params: []Param{{"orderStatus", "退款中"}, {"createTime", "2024-06-18"}, {"orderCode", "A1"}, {"goods", "not json"}},
			want:   `{"cid":"","uid":"","msgType":25,"miniPage":"{\"orderStatus\":0,\"statusCustom\":\"退款中\",\"createTime\":1718640000000,\"orderCode\":\"A1\",\"orderUrl\":\"\",\"totalFee\":\"\",\"goodsCount\":0,\"goods\":[]}"}`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := SobotMessage(c.kind, c.params, now)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
			if !json.Valid(got) {
				t.Fatal("not JSON")
			}
		})
	}
	if _, err := SobotMessage("sobot_other", nil, now); err == nil {
		t.Fatal("unknown kind accepted")
	}
}
