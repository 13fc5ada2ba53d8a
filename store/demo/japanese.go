package demo

import (
	"time"

	"github.com/csbot/csbot/store"
)

// Languages the demo names its organisation in. The Japanese demo is the
// English one renamed: the same slugs, member ids, numbers and risks, so
// the two tell one story and its commands (`/cs health kitsune-games`)
// work in both; only what people read is Japanese.
const (
	English  = "en"
	Japanese = "ja"
)

// Languages lists the demo's languages, for help texts and flag checks.
var Languages = []string{English, Japanese}

// japaneseNames are the accounts' Japanese names, by slug.
var japaneseNames = map[string]string{
	"sakura-logistics":          "さくら物流",
	"fujimoto-heavy-industries": "藤本重工業",
	"kansai-mutual-bank":        "関西相互銀行",
	"nishikawa-pharma":          "西川製薬",
	"aozora-telecom":            "あおぞらテレコム",
	"hokuto-motors":             "北斗モーターズ",
	"tenjin-retail-group":       "天神リテールグループ",
	"meridian-insurance-japan":  "メリディアン損害保険",
	"kitsune-games":             "キツネゲームス",
	"yamato-energy":             "ヤマトエナジー",
	"kumo-robotics":             "クモロボティクス",
	"hikari-clinics":            "ひかりクリニック",
	"midori-foods":              "みどり食品",
	"tsubame-travel":            "つばめトラベル",
	"koi-analytics":             "コイアナリティクス",
	"umi-shipping":              "うみ海運",
	"sumire-cosmetics":          "すみれ化粧品",
	"ginga-education":           "銀河エデュケーション",
	"kawase-construction":       "川瀬建設",
	"bluefin-payments":          "ブルーフィンペイメンツ",
	"asahi-print-works":         "朝日印刷",
	"hinode-hotels":             "日の出ホテルズ",
	"chubu-precision-tools":     "株式会社ひかり製作所",
	"shinkai-marine":            "深海マリン",
	"tamago-kitchen":            "たまごキッチン",
	"northwind-trading-kk":      "ノースウィンド商事株式会社",
	"hakata-mobility":           "博多モビリティ",
	"ishida-legal":              "石田法律事務所",
	"nagoya-castle-realty":      "名城不動産",
	"sakae-fitness":             "栄フィットネス",
	"komorebi-design":           "こもれびデザイン",
	"mochi-labs":                "もちラボ",
	"neko-books":                "ねこ書房",
	"tanuki-brewing":            "たぬき醸造",
	"hoshi-dental":              "ほし歯科",
	"kaze-surf-supply":          "風サーフサプライ",
	"pixel-onsen":               "ピクセル温泉",
	"yuzu-florist":              "ゆず生花店",
	"tsuki-accounting":          "つき会計事務所",
	"origami-apps":              "おりがみアプリ",
	"kinoko-farms":              "きのこファーム",
	"hanabi-events":             "花火イベンツ",
	"shiba-pet-care":            "しばペットケア",
	"bento-box-delivery":        "お弁当デリバリー",
	"kappa-translation":         "かっぱ翻訳",
	"ume-tea-house":             "梅茶屋",
	"daruma-print":              "だるま印刷",
	"inari-coffee":              "いなり珈琲",
	"kobe-craft-leather":        "神戸クラフトレザー",
	"fuji-bike-rental":          "富士レンタサイクル",
	"tonbo-drone-works":         "トンボドローン",
	"akari-lighting":            "あかり照明",
	"momiji-ryokan":             "もみじ旅館",
	"taiko-music-school":        "太鼓音楽教室",
	"kiri-web-studio":           "霧ウェブスタジオ",
	"hotaru-clinic":             "ほたるクリニック",
	"nami-yoga":                 "波ヨガ",
	"sumo-storage":              "すもうトランクルーム",
	"kumamoto-citrus":           "熊本シトラス",
	"yokai-comics":              "妖怪コミックス",
}

// japaneseMembers are the members' names written in Japanese, by id; the
// Enterprise team's Daniel and Emma keep theirs, and English.
var japaneseMembers = map[string]string{
	"aiko": "田中 愛子", "keiko": "林 恵子", "haruto": "佐藤 陽翔", "kenji": "渡辺 健二", "yui": "中村 結衣",
	"sora": "小林 空", "hana": "木村 花", "misaki": "山本 美咲", "takumi": "伊藤 拓海", "rina": "松本 里奈",
	"shota": "井上 翔太", "ren": "藤田 蓮",
}

var japaneseTeams = map[string]string{"tokyo": "東京", "osaka": "大阪", "enterprise": "エンタープライズ"}

// japaneseMilestones are the onboarding plan's milestones, in plan order.
var japaneseMilestones = []string{"キックオフ実施", "管理者設定完了", "データ移行完了", "ファーストバリュー到達", "トレーニング完了"}

// japaneseNotes are timeline entries logged on the day of each account's
// last touch, by its owner.
var japaneseNotes = []struct{ slug, kind, text string }{
	{"kitsune-games", "call", "先方PMと定例。データ移行の担当者が退職し、移行が止まっている。来週までに後任を確認していただく。"},
	{"tenjin-retail-group", "meeting", "利用状況の振り返り。店舗スタッフへの展開が進んでいない。店長向けトレーニングの再実施を提案。"},
	{"kansai-mutual-bank", "qbr", "四半期レビューを実施。更新に向けてSSO連携と監査ログの要望あり。次回までに提案書を用意する。"},
	{"koi-analytics", "email", "更新に向けて利用状況レポートを送付。決裁者はCFOとのこと。"},
	{"midori-foods", "call", "ヘルススコア低下について確認。繁忙期で利用が落ちているが、来月から新店舗で展開予定。"},
}

// japanese renames the English demo for the Japanese one.
func japanese(teams []store.Team, members []store.Member, accounts []store.Account) {
	for i := range teams {
		teams[i].Name = japaneseTeams[teams[i].ID]
	}
	for i := range members {
		if name, ok := japaneseMembers[members[i].ID]; ok {
			members[i].Name = name
		}
	}
	for i := range accounts {
		a := &accounts[i]
		a.Name = japaneseNames[a.Slug]
		for j := range a.Milestones {
			a.Milestones[j].Name = japaneseMilestones[j]
		}
	}
}

// notes are the Japanese demo's timeline entries.
func notes(accounts []store.Account) []store.Touch {
	bySlug := make(map[string]store.Account, len(accounts))
	for _, a := range accounts {
		bySlug[a.Slug] = a
	}
	out := make([]store.Touch, 0, len(japaneseNotes))
	for _, n := range japaneseNotes {
		a := bySlug[n.slug]
		out = append(out, store.Touch{Account: a.Slug, Kind: n.kind, Author: a.Owner, Text: n.text, At: a.LastTouch.Add(15 * time.Hour)})
	}
	return out
}
