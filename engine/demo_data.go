package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/pages"
	"github.com/screenpop/screenpop/tables"
)

// The demo's customer data: a newcomer signs in, opens the call simulator,
// sends Ringing from DemoCaller to the agent and sees a pop at once.
const (
	DemoTableName = "客户"
	DemoPageName  = "来电客户"
	// DemoCaller is a seeded customer's number (a VIP), the simulator's
	// default caller in the demo tenant.
	DemoCaller = "13800138000"
	// DemoCustomers is how many customers the demo table holds.
	DemoCustomers = 300
)

var (
	demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"}
	demoGiven    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "晓东", "雨萱", "子涵", "浩然"}
	demoCities   = []string{"北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "苏州", "天津"}
	demoNotes    = []string{"", "", "", "偏好电话联系", "上次来电咨询账单", "投诉已处理", "工作日晚间方便接听", "需开具发票", "关注新品活动"}
	demoPrefixes = []string{"138", "139", "136", "137", "150", "151", "158", "186", "187", "189"}
)

// demoFields is the customer table: an encrypted, masked phone as the
// index, a masked encrypted ID number, a dictionary, a date and a number.
func demoFields() []tables.FieldInput {
	return []tables.FieldInput{
		{Name: "手机号", IsIndex: true, Encrypted: true, Type: tables.TypeString, Length: 20, Masked: true, MaskStyle: tables.MaskLastFour},
		{Name: "姓名", Type: tables.TypeString, Length: 32, Mandatory: true},
		{Name: "证件号", Encrypted: true, Type: tables.TypeString, Length: 18, Masked: true, MaskStyle: tables.MaskFirstFour},
		{Name: "客户等级", Type: tables.TypeDict, DictItems: []tables.DictItem{
			{Key: "1", Value: "普通"}, {Key: "2", Value: "银卡"}, {Key: "3", Value: "金卡"}, {Key: "4", Value: "VIP"}}},
		{Name: "所在城市", Type: tables.TypeString, Length: 32},
		{Name: "开户日期", Type: tables.TypeDate},
		{Name: "积分", Type: tables.TypeNumber, Length: 10},
		{Name: "备注", Type: tables.TypeString, Length: 128},
	}
}

// demoCustomers returns n customers, the same ones on every run (a fixed
// seed), DemoCaller first.
func demoCustomers(n int) []map[string]string {
	r := rand.New(rand.NewPCG(2026, 14))
	seen := map[string]bool{DemoCaller: true}
	out := make([]map[string]string, 0, n)
	out = append(out, map[string]string{"手机号": DemoCaller, "姓名": "张伟", "证件号": "110101198503071234",
		"客户等级": "4", "所在城市": "北京", "开户日期": "2019-06-18", "积分": "12800", "备注": "VIP 客户，优先转接专属客服"})
	start := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	for len(out) < n {
		phone := fmt.Sprintf("%s%08d", demoPrefixes[r.IntN(len(demoPrefixes))], r.IntN(100_000_000))
		if seen[phone] {
			continue
		}
		seen[phone] = true
		level := []string{"1", "1", "1", "2", "2", "3", "4"}[r.IntN(7)]
		opened := start.AddDate(0, 0, r.IntN(3650))
		out = append(out, map[string]string{
			"手机号":  phone,
			"姓名":   demoSurnames[r.IntN(len(demoSurnames))] + demoGiven[r.IntN(len(demoGiven))],
			"证件号":  fmt.Sprintf("%06d%s%04d", 110101+r.IntN(500000), opened.AddDate(-30-r.IntN(30), 0, 0).Format("20060102"), r.IntN(10000)),
			"客户等级": level,
			"所在城市": demoCities[r.IntN(len(demoCities))],
			"开户日期": opened.Format("2006-01-02"),
			"积分":   fmt.Sprint(r.IntN(20000)),
			"备注":   demoNotes[r.IntN(len(demoNotes))],
		})
	}
	return out
}

// seedDemoContent fills the demo tenant: the customer table with its
// customers, a published page showing them (VIPs highlighted) and an
// internal pop per media type.
func (e *Engine) seedDemoContent(ctx context.Context, tenantID int64) error {
	tb, err := e.Tables.CreateTable(ctx, tenantID, tables.TableInput{Name: DemoTableName, Description: "演示客户资料 Demo customers"})
	if err != nil {
		return fmt.Errorf("demo table: %w", err)
	}
	for _, f := range demoFields() {
		if _, err := e.Tables.AddField(ctx, tenantID, tb.ID, f); err != nil {
			return fmt.Errorf("demo field %s: %w", f.Name, err)
		}
	}
	if _, err := e.Tables.Publish(ctx, tenantID, tb.ID); err != nil {
		return fmt.Errorf("publish demo table: %w", err)
	}
	sc, err := e.Tables.Schema(ctx, tenantID, tb.ID)
	if err != nil {
		return err
	}
	var rows []tables.Row
	for _, c := range demoCustomers(DemoCustomers) {
		row, errs := sc.ParseRow(c)
		if len(errs) > 0 {
			return fmt.Errorf("demo customer %s: %s", c["姓名"], errs[0].In("en"))
		}
		rows = append(rows, row)
	}
	if _, err := e.Tables.UpsertRows(ctx, e.DB, sc, rows); err != nil {
		return fmt.Errorf("demo customers: %w", err)
	}
	tb, err = e.Tables.GetTable(ctx, tenantID, tb.ID)
	if err != nil {
		return err
	}
	page, err := e.Pages.CreatePage(ctx, tenantID, DemoPageName)
	if err != nil {
		return fmt.Errorf("demo page: %w", err)
	}
	def := pages.DefaultDefinition()
	obj := pages.Object{Name: "客户信息", TableID: tb.ID}
	for _, f := range tb.Fields {
		of := pages.ObjectField{FieldID: f.ID}
		if f.Name == "客户等级" {
			of.Highlight, of.Badge = `record.客户等级 == "VIP"`, "VIP"
		}
		obj.Fields = append(obj.Fields, of)
	}
	def.Objects = []pages.Object{obj}
	if _, err := e.Pages.SaveDraft(ctx, tenantID, page.ID, def, 0); err != nil {
		return fmt.Errorf("demo page draft: %w", err)
	}
	if _, err := e.Pages.Publish(ctx, tenantID, page.ID, nil, "演示 Demo"); err != nil {
		return fmt.Errorf("publish demo page: %w", err)
	}
	for _, media := range pops.MediaTypes {
		// The homepage (open from sign-in) is the voice one: the agent
		// waits for calls there.
		if _, err := e.Pops.CreateConfig(ctx, tenantID, pops.ConfigInput{MediaType: media, Name: "客户资料",
			PageType: pops.PageInternal, PageID: page.ID, OpenMode: pops.OpenEmbed, Enabled: true, Homepage: media == pops.MediaAudio,
			Trigger: pops.TriggerRinging}); err != nil {
			return fmt.Errorf("demo %s pop: %w", media, err)
		}
	}
	return nil
}
