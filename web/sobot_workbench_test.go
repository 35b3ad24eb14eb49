package web_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/platforms"
)

// An admin adds Sobot's three page-to-workbench messages to a page in the
// builder; the published page, framed by the Sobot workbench stand-in with
// signed chat parameters, shows the customer, follows the workbench's
// "selected" message to the next visitor, and its three buttons post the
// seed's exact messages to the workbench's origin.
func TestSobotActionsInTheWorkbench(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	tb := e.customerTable(f.Tenant.ID)
	page := e.publishedPage(f.Tenant.ID, tb)
	for _, r := range []map[string]string{
		{"手机号": "13912345678", "姓名": "赵六"},
		{"手机号": "13800000000", "姓名": "云客服_智齿客服"},
	} {
		if _, err := e.eng.Tables.CreateRecord(t.Context(), f.Tenant.ID, tb.ID, r); err != nil {
			t.Fatal(err)
		}
	}
	popBase := e.serve()
	wb := platforms.NewSobotWorkbench(t, "sys-42", "安全密钥-1")
	if _, err := e.eng.Pops.SaveSettings(t.Context(), f.Tenant.ID, pops.SettingsInput{
		FrameOrigins: []string{wb.Base}, SobotSysNum: wb.SysNum, SobotSecret: &wb.Secret, SobotPage: "chat"}); err != nil {
		t.Fatal(err)
	}

	// The builder: three buttons, their values mapped from the record and
	// from constants, as an admin types them.
	ctx := testkit.Browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(popBase+"/lang?to=zh-CN&next=/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, f.Admin.Username),
		chromedp.SendKeys(`input[name=password]`, f.Password),
		chromedp.Click(`button[type=submit]`),
		chromedp.WaitVisible(`nav.sidenav`),
		chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d", popBase, page.ID)),
		chromedp.WaitVisible(`[data-testid=add-sobot_ticket]`),
		chromedp.Click(`[data-testid=add-sobot_ticket]`),
		chromedp.Click(`[data-testid=add-sobot_product_card]`),
		chromedp.Click(`[data-testid=add-sobot_order_card]`),
		chromedp.WaitVisible(`[data-testid=action-2]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	typeIn := func(path, text string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.SendKeys(fmt.Sprintf(`[data-path=%q]`, path), text)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	ticketRows := 0
	addTicketParam := func(name, value string) {
		t.Helper()
		if ticketRows > 0 { // the ticket starts with one empty row
			if err := chromedp.Do(ctx, chromedp.Click(`[data-testid=action-0] .add-param`)); err != nil {
				t.Fatal(err)
			}
		}
		typeIn(fmt.Sprintf("actions[0].params[%d].name", ticketRows), name)
		typeIn(fmt.Sprintf("actions[0].params[%d].value", ticketRows), value)
		ticketRows++
	}
	// seed 004 接入工单: params {"card_title":"云客服_智齿客服","card_url":"http://www.sobot.com",
	// "card_desc":"云客服,在线客服系统,…","card_note":"1500元","card_picture":"https://img.sobot.com/console/common/face/admin.png"}
	// — "对象中就是自定义字段配置的参数 id": the ticket's field ids are the tenant's own.
	addTicketParam("card_title", "record.姓名")
	addTicketParam("card_url", `"http://www.sobot.com"`)
	addTicketParam("card_note", `"1500元"`)
	// seed 004 发送商品卡片: miniPage {"title":…,"url":"https://www.baidu.com","description":…,"label":"100元","thumbnail":…}
	// (rows prefilled in the seed's order: title, url, description, label, thumbnail).
	typeIn("actions[1].params[0].value", "record.姓名")
	typeIn("actions[1].params[1].value", `"https://www.baidu.com"`)
	typeIn("actions[1].params[2].value", `"我是放羊的,你是砍柴的。"`)
	typeIn("actions[1].params[3].value", `"100元"`)
	// seed 004 发送订单卡片: data = {orderStatus:1, statusCustom:"自定义状态", createTime:+new Date(),
	// orderCode:'88888888', orderUrl:'http://order.com/1', totalFee:'100', goodsCount:2, goods:[{name, pictureUrl}…]}
	typeIn("actions[2].params[0].value", `"待付款"`)
	typeIn("actions[2].params[1].value", `"自定义状态"`)
	typeIn("actions[2].params[2].value", `"1700000000000"`)
	typeIn("actions[2].params[3].value", `"88888888"`)
	typeIn("actions[2].params[4].value", `"http://order.com/1"`)
	typeIn("actions[2].params[5].value", `"100"`)
	typeIn("actions[2].params[6].value", `"2"`)
	typeIn("actions[2].params[7].value", `'[{"name":"商品名称1","pictureUrl":"http://goodsPicture1"},{"name":"商品名称2","pictureUrl":"http://goodsPicture2"}]'`)
	if err := chromedp.Do(ctx, chromedp.Sleep(600*time.Millisecond), chromedp.WaitVisible(`[data-testid=save-status][data-state=saved]`)); err != nil {
		t.Fatal(err)
	}
	testkit.Screenshot(t, ctx, "builder-sobot-actions")
	got, err := e.eng.Pages.GetPage(t.Context(), f.Tenant.ID, page.ID)
	if err != nil || len(got.Draft.Actions) != 3 {
		t.Fatalf("draft actions: %+v, %v", got, err)
	}
	if _, err := e.eng.Pages.Publish(t.Context(), f.Tenant.ID, page.ID, nil, ""); err != nil {
		t.Fatal(err)
	}

	// The workbench: the chat workbench's signed parameters ("sign=MD5(sysNum+密钥+
	// timestamp +partnerId)"), partnerId being the enterprise's customer id,
	// here the phone number the table is keyed by.
	first := platforms.SobotVisitor{PartnerID: "13912345678", Email: "agent@example.com", UID: "u-1", CID: "c-1", GroupID: "g1", GroupName: "售后"}
	next := platforms.SobotVisitor{PartnerID: "13800000000", Email: "agent@example.com", UID: "222222", CID: "111111", GroupID: "g1", GroupName: "售后"}
	popURL := fmt.Sprintf("%s/pop/%s/%d", popBase, f.Tenant.Slug, page.ID)
	wbCtx := testkit.Browser(t)
	if err := chromedp.Do(wbCtx, chromedp.Navigate(wb.PageURL(platforms.FrameURL(popURL, wb.ChatQuery(first, time.Now()))))); err != nil {
		t.Fatal(err)
	}
	frame := frameContext(t, wbCtx, popBase)
	waitText := func(want string) {
		t.Helper()
		shown := false
		for deadline := time.Now().Add(15 * time.Second); !shown && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			shown, _ = chromedp.Run(frame, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.querySelector(".popbody") && document.querySelector(".popbody").innerText.includes(%q)`, want)))
		}
		if !shown {
			text, _ := chromedp.Run(frame, chromedp.Text(`body`))
			t.Fatalf("%q never showed: %q", want, text)
		}
	}
	waitText("赵六")
	// "当您切换工作台左侧用户列表时 … 我们会抛出一个 postMessage … name:selected".
	if err := chromedp.Do(wbCtx, chromedp.Evaluate[chromedp.Void](wb.Selected(next, time.Now()))); err != nil {
		t.Fatal(err)
	}
	waitText("13800000000"[7:]) // the masked phone of the next visitor
	waitText("云客服_智齿客服")
	for _, kind := range []pages.ActionKind{pages.ActionSobotTicket, pages.ActionSobotProductCard, pages.ActionSobotOrderCard} {
		if err := chromedp.Do(frame, chromedp.Click(fmt.Sprintf(`[data-testid="action-%s"]`, kind))); err != nil {
			t.Fatal(err)
		}
	}
	var received []struct {
		Origin string          `json:"origin"`
		Data   json.RawMessage `json:"data"`
	}
	for deadline := time.Now().Add(10 * time.Second); len(received) < 3 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		raw, err := chromedp.Run(wbCtx, chromedp.Evaluate[string](platforms.Received))
		if err != nil {
			t.Fatal(err)
		}
		received = nil
		if err := json.Unmarshal([]byte(raw), &received); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		// "type:"createOrder",固定格式必须传递"; "params JSON 格式对象,对象中就是自定义字段配置的参数 id".
		`{"type":"createOrder","params":{"card_title":"云客服_智齿客服","card_url":"http://www.sobot.com","card_note":"1500元"}}`,
		// "cid: "", uid: "", msgType: 24, // 固定值  miniPage:JSON.stringify({"title":…,"url":…,"description":…,"label":…,"thumbnail":…})";
		// cid and uid are the selected visitor's (seed: "uid 咨询用户在智齿系统的用户 ID", "cid 本次咨询对应会话的会话 ID").
		`{"cid":"111111","uid":"222222","msgType":24,"miniPage":"{\"title\":\"云客服_智齿客服\",\"url\":\"https://www.baidu.com\",\"description\":\"我是放羊的,你是砍柴的。\",\"label\":\"100元\",\"thumbnail\":\"\"}"}`,
		// "cid: '111111', uid: '222222', msgType: 25,  //固定值  miniPage:JSON.stringify(data)".
		`{"cid":"111111","uid":"222222","msgType":25,"miniPage":"{\"orderStatus\":1,\"statusCustom\":\"自定义状态\",\"createTime\":1700000000000,\"orderCode\":\"88888888\",\"orderUrl\":\"http://order.com/1\",\"totalFee\":\"100\",\"goodsCount\":2,\"goods\":[{\"name\":\"商品名称1\",\"pictureUrl\":\"http://goodsPicture1\"},{\"name\":\"商品名称2\",\"pictureUrl\":\"http://goodsPicture2\"}]}"}`,
	}
	if len(received) != len(want) {
		t.Fatalf("the workbench received %d messages, want %d: %+v", len(received), len(want), received)
	}
	for i, w := range want {
		if received[i].Origin != popBase {
			t.Errorf("message %d from %q", i, received[i].Origin)
		}
		if string(received[i].Data) != w {
			t.Errorf("message %d:\n got %s\nwant %s", i, received[i].Data, w)
		}
	}
	testkit.Screenshot(t, wbCtx, "sobot-workbench-actions")
}
