package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// Languages of the interface. Listing content is shown as written.
const (
	langEN = "en"
	langJA = "ja"
)

// langCookie remembers the visitor's choice of interface language.
const langCookie = "kakehashi_lang"

// langOf picks the interface language: the remembered choice, else the
// browser's preference between English and Japanese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == langEN || c.Value == langJA) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ja"):
			return langJA
		case strings.HasPrefix(tag, "en"):
			return langEN
		}
	}
	return langEN
}

// messages holds every interface string in English and Japanese. A test
// checks that both languages have the same keys.
var messages = map[string][2]string{
	// Layout and navigation.
	"site.tagline":       {"Open-innovation partner matching across borders", "国境を越えるオープンイノベーションのパートナーマッチング"},
	"nav.search":         {"Search", "検索"},
	"nav.post":           {"Post a listing", "掲載する"},
	"nav.dashboard":      {"My dashboard", "マイページ"},
	"nav.admin.users":    {"Users", "ユーザー"},
	"nav.admin.orgs":     {"Organizations", "組織"},
	"nav.signin":         {"Sign in", "ログイン"},
	"nav.signout":        {"Sign out", "ログアウト"},
	"nav.lang":           {"日本語", "English"},
	"nav.lang.label":     {"Switch the interface to Japanese", "表示言語を英語に切り替える"},
	"nav.skip":           {"Skip to content", "本文へ移動"},
	"footer.api":         {"JSON API", "JSON API"},
	"footer.about":       {"Kakehashi is open-source software for universities, companies and agencies.", "架け橋は大学・企業・支援機関のためのオープンソースソフトウェアです。"},
	"signed.in.as":       {"Signed in as", "ログイン中:"},
	"home.title":         {"Find partners for your research and your challenges", "研究シーズと技術ニーズのパートナーを見つける"},
	"home.lead":          {"Universities and startups publish technology seeds; companies and public bodies publish needs. Kakehashi matches them across Japan, the US, the UK and beyond, in English and Japanese, and explains every match.", "大学やスタートアップが技術シーズを、企業や公的機関がニーズを掲載します。架け橋は日本・米国・英国などの国境と言語を越えてそれらを結び、すべてのマッチングに理由を示します。"},
	"home.holds":         {"What the platform holds", "掲載の状況"},
	"home.seeds":         {"Seeds", "シーズ"},
	"home.needs":         {"Needs", "ニーズ"},
	"home.orgs":          {"Organizations", "組織"},
	"home.bycountry":     {"Open listings by country", "国別の公開中の掲載数"},
	"home.newest.seeds":  {"Newest seeds", "新着シーズ"},
	"home.newest.needs":  {"Newest needs", "新着ニーズ"},
	"home.all":           {"See all", "すべて見る"},
	"search.label":       {"Search seeds and needs", "シーズとニーズを検索"},
	"search.placeholder": {"e.g. solid-state battery, 外観検査, chest X-ray", "例:全固体電池、外観検査、chest X-ray"},
	"search.button":      {"Search", "検索"},
	"search.title":       {"Search", "検索"},
	"search.results":     {"%d listings", "%d 件"},
	"search.empty":       {"No listings match.", "該当する掲載はありません。"},
	"search.empty.help":  {"Try fewer words, another spelling or language (電池 or battery), or remove a filter.", "語を減らす、別の表記や言語(電池 / battery)で探す、絞り込みを外すなどをお試しください。"},
	"search.clear":       {"Clear all filters", "絞り込みをすべて解除"},
	"search.filters":     {"Narrow the results", "絞り込み"},
	"search.apply":       {"Apply", "適用"},
	"search.any":         {"Any", "指定なし"},
	"search.open":        {"Open listings only (deadline not passed)", "募集中のみ(締切前)"},
	"search.matched":     {"Matched", "一致した語"},
	"page.prev":          {"Previous", "前へ"},
	"page.next":          {"Next", "次へ"},
	"page.of":            {"Page %d", "%d ページ"},
	"facet.side":         {"Side", "種別"},
	"facet.kind":         {"Kind", "区分"},
	"facet.country":      {"Country", "国"},
	"facet.language":     {"Language", "言語"},
	"facet.field":        {"Field of science", "研究分野"},
	"facet.sector":       {"Sector", "産業分野"},
	"facet.trl":          {"Technology readiness (TRL)", "技術成熟度(TRL)"},
	"facet.trl.min":      {"From TRL", "TRL 下限"},
	"facet.trl.max":      {"To TRL", "TRL 上限"},
	"facet.partnership":  {"Partnership", "連携形態"},
	// Listing page.
	"listing.owner":            {"Organization", "組織"},
	"listing.owner.hidden":     {"Confidential: the organization is shown once it accepts an introduction.", "非公開:紹介が承諾されると組織名が表示されます。"},
	"listing.body.hidden":      {"Confidential: the details are shown to the owner, coordinators and accepted partners.", "非公開:詳細は掲載者・コーディネーター・承諾済みの相手にのみ表示されます。"},
	"listing.keywords":         {"Keywords", "キーワード"},
	"listing.fields":           {"Fields of science", "研究分野"},
	"listing.sectors":          {"Sectors", "産業分野"},
	"listing.trl":              {"TRL", "TRL"},
	"listing.ip":               {"Intellectual property", "知的財産"},
	"listing.patents":          {"Patents", "特許"},
	"listing.jurisdictions":    {"Jurisdictions", "出願国・地域"},
	"listing.partnership":      {"Partnership sought or offered", "希望する連携形態"},
	"listing.targets":          {"Target countries", "対象国"},
	"listing.deadline":         {"Deadline", "締切"},
	"listing.deadline.none":    {"No deadline", "締切なし"},
	"listing.controlled":       {"Export-control relevant", "輸出管理該当の可能性あり"},
	"listing.visibility":       {"Visibility", "公開範囲"},
	"listing.status":           {"Status", "状態"},
	"listing.language":         {"Written in", "記載言語"},
	"listing.updated":          {"Updated", "更新日"},
	"listing.edit":             {"Edit", "編集"},
	"matches.title":            {"Best matches", "おすすめのマッチング"},
	"matches.seeds":            {"Seeds that could answer this need", "このニーズに応えうるシーズ"},
	"matches.needs":            {"Needs this seed could answer", "このシーズが応えうるニーズ"},
	"matches.none":             {"No open listing on the other side matches yet.", "現在、相手側にマッチする公開中の掲載はありません。"},
	"matches.score":            {"Match score", "マッチ度"},
	"matches.why":              {"Why this match", "マッチの理由"},
	"matches.terms":            {"Shared terms", "共通する語"},
	"matches.fit":              {"Fit", "適合性"},
	"matches.orgs":             {"Organizations to talk to", "連携候補の組織"},
	"matches.in":               {"in", "出現箇所:"},
	"fit.partnership":          {"Partnership type", "連携形態"},
	"fit.trl":                  {"Maturity (TRL)", "成熟度(TRL)"},
	"fit.country":              {"Country preference", "国の希望"},
	"fit.deadline":             {"Deadline", "締切"},
	"fit.ok":                   {"fits", "適合"},
	"fit.no":                   {"does not fit", "不適合"},
	"fit.partnership.unstated": {"no partnership type stated on one side", "一方が連携形態を指定していません"},
	"fit.partnership.shared":   {"both want %s", "双方が%sを希望"},
	"fit.partnership.disjoint": {"the need seeks %s; the seed offers %s", "ニーズは%sを求め、シーズは%sを提供"},
	"fit.trl.inside":           {"seed TRL %s is within the need's range %s–%s", "シーズのTRL %sはニーズの範囲 %s〜%s に収まります"},
	"fit.trl.outside":          {"seed TRL %s is outside the need's range %s–%s", "シーズのTRL %sはニーズの範囲 %s〜%s の外です"},
	"fit.country.seed_targets": {"the seed looks for partners in %s, the need's country", "シーズはニーズの国(%s)の相手を探しています"},
	"fit.country.need_targets": {"the need looks for partners in %s, the seed's country", "ニーズはシーズの国(%s)の相手を探しています"},
	"fit.country.unstated":     {"no target countries stated", "対象国の指定はありません"},
	"fit.country.elsewhere":    {"neither side's country is among the other's target countries", "どちらの国も相手の対象国に含まれていません"},
	"fit.country.hidden":       {"the owner's country is not shown", "所有者の国は表示されません"},
	"fit.deadline.none":        {"no deadline", "締切なし"},
	"fit.deadline.open":        {"deadline %s, in %s days", "締切 %s(残り%s日)"},
	"fit.deadline.passed":      {"deadline %s has passed", "締切 %s を過ぎています"},
	"field.title":              {"title", "タイトル"},
	"field.keywords":           {"keywords", "キーワード"},
	"field.summary":            {"summary", "概要"},
	"field.body":               {"description", "詳細"},
	// Organization page.
	"org.kind":    {"Kind", "種別"},
	"org.country": {"Country", "国"},
	"org.region":  {"Region", "地域"},
	"org.website": {"Website", "ウェブサイト"},
	"org.sectors": {"Sectors", "産業分野"},
	"org.seeds":   {"Seeds", "シーズ"},
	"org.needs":   {"Needs", "ニーズ"},
	"org.none":    {"Nothing published yet.", "まだ掲載はありません。"},
	// Forms.
	"form.new.title":        {"Post a listing", "掲載する"},
	"form.edit.title":       {"Edit listing", "掲載を編集"},
	"form.side":             {"Do you offer or seek?", "提供ですか、募集ですか?"},
	"form.kind":             {"Kind", "区分"},
	"form.org":              {"On behalf of", "掲載組織"},
	"form.title":            {"Title", "タイトル"},
	"form.summary":          {"Summary (one or two sentences)", "概要(1〜2文)"},
	"form.body":             {"Description", "詳細"},
	"form.language":         {"Language of the text", "本文の言語"},
	"form.keywords":         {"Keywords (comma-separated)", "キーワード(カンマ区切り)"},
	"form.fields":           {"Fields of science", "研究分野"},
	"form.sectors":          {"Sectors", "産業分野"},
	"form.trl":              {"Technology readiness level (1–9)", "技術成熟度(1〜9)"},
	"form.ip.status":        {"IP status", "知財の状態"},
	"form.ip.patents":       {"Patent numbers (comma-separated)", "特許番号(カンマ区切り)"},
	"form.ip.jurisdictions": {"Jurisdictions (e.g. JP, US, EP)", "出願国・地域(例:JP, US, EP)"},
	"form.partnership":      {"Partnership types", "連携形態"},
	"form.targets":          {"Target countries (comma-separated ISO codes, e.g. JP, US, GB)", "対象国(カンマ区切りのISOコード、例:JP, US, GB)"},
	"form.controlled":       {"Relevant to export control", "輸出管理に該当する可能性がある"},
	"form.visibility":       {"Who may see it", "公開範囲"},
	"form.status":           {"Status", "状態"},
	"form.deadline":         {"Deadline (optional)", "締切(任意)"},
	"form.preview":          {"Preview matches", "マッチングをプレビュー"},
	"form.preview.title":    {"Top matches before you publish", "掲載前のマッチング上位"},
	"form.save":             {"Publish", "掲載する"},
	"form.save.edit":        {"Save changes", "変更を保存"},
	"form.errors":           {"Please correct the fields marked below.", "以下の項目を修正してください。"},
	"form.saved":            {"Saved.", "保存しました。"},
	"form.noorg":            {"Your account belongs to no organization, so you cannot post listings. Ask a coordinator.", "アカウントが組織に所属していないため掲載できません。コーディネーターにご相談ください。"},
	"login.title":           {"Sign in", "ログイン"},
	"login.email":           {"E-mail address", "メールアドレス"},
	"login.password":        {"Password", "パスワード"},
	"login.button":          {"Sign in", "ログイン"},
	"login.failed":          {"Wrong e-mail address or password.", "メールアドレスまたはパスワードが正しくありません。"},
	"login.toomany":         {"Too many failed attempts. Try again in a few minutes.", "失敗が続いたため、しばらくしてから再度お試しください。"},
	"login.demo":            {"Demo accounts use the password kakehashi-demo, for example rd@hoshizora-motors.example.", "デモアカウントのパスワードは kakehashi-demo です(例:rd@hoshizora-motors.example)。"},
	"dash.title":            {"My dashboard", "マイページ"},
	"dash.listings":         {"My organization's listings", "自組織の掲載"},
	"dash.newest":           {"Newest matches", "最新のマッチング"},
	"dash.none":             {"Your organization has no listings yet.", "自組織の掲載はまだありません。"},
	"dash.noorg":            {"Your account belongs to no organization.", "アカウントは組織に所属していません。"},
	"admin.users":           {"User accounts", "ユーザーアカウント"},
	"admin.orgs":            {"Organizations", "組織"},
	"admin.email":           {"E-mail", "メール"},
	"admin.name":            {"Name", "氏名"},
	"admin.org":             {"Organization", "所属組織"},
	"admin.role":            {"Role", "役割"},
	"admin.created":         {"Created", "作成日"},
	"admin.new.user":        {"Add a user", "ユーザーを追加"},
	"admin.new.org":         {"Add an organization", "組織を追加"},
	"admin.password":        {"Initial password (10 characters or more)", "初期パスワード(10文字以上)"},
	"admin.create":          {"Create", "作成"},
	"admin.none":            {"None", "なし"},
	"admin.local":           {"Name in local language", "現地語の名称"},
	"admin.disabled":        {"disabled", "無効"},
	// The collaboration pipeline: interest, introductions, inbox.
	"nav.introductions":               {"Introductions", "紹介"},
	"nav.inbox":                       {"Inbox", "お知らせ"},
	"nav.inbox.unread":                {"%s unread", "未読 %s 件"},
	"stage.interest":                  {"Interest", "関心表明"},
	"stage.introduced":                {"Introduced", "紹介済み"},
	"stage.meeting":                   {"Meeting", "面談"},
	"stage.nda":                       {"NDA", "秘密保持契約"},
	"stage.agreement":                 {"Agreement", "契約"},
	"stage.closed":                    {"Closed", "終了"},
	"outcome.won":                     {"Won", "成約"},
	"outcome.lost":                    {"Lost", "不成立"},
	"outcome.declined":                {"Declined", "お断り"},
	"reason.too_early":                {"Too early", "時期尚早"},
	"reason.benefit_unclear":          {"Benefit unclear", "メリットが不明確"},
	"reason.commercial_route_unclear": {"Commercial route unclear", "事業化の道筋が不明確"},
	"reason.not_a_fit":                {"Not a fit", "ニーズに合わない"},
	"reason.no_capacity":              {"No capacity", "対応する余力がない"},
	"reason.other":                    {"Other", "その他"},
	"interest.title":                  {"Express interest", "関心を伝える"},
	"interest.lead":                   {"Tell the organization who you are and what you propose. They accept or decline, and a decline always comes with a reason.", "自己紹介と提案内容をお書きください。掲載組織は承諾またはお断りを選び、お断りの場合も必ず理由が伝えられます。"},
	"interest.message":                {"Your message", "メッセージ"},
	"interest.related":                {"Related listing of your organization (optional)", "関連する自組織の掲載(任意)"},
	"interest.related.none":           {"None", "なし"},
	"interest.send":                   {"Express interest", "関心を伝える"},
	"interest.signin":                 {"Sign in to express interest in this listing", "ログインしてこの掲載に関心を伝える"},
	"interest.mine":                   {"You have an open introduction on this listing.", "この掲載について進行中の紹介があります。"},
	"interest.mine.link":              {"Open the introduction", "紹介を表示"},
	"interest.colleague":              {"Someone of your organization already has an open introduction on this listing:", "同じ組織の方がこの掲載について紹介を進めています:"},
	"interest.conflict":               {"You already have an open interest in this listing.", "この掲載にはすでに進行中の関心表明があります。"},
	"interest.sent":                   {"Your interest was sent; the listing's organization has been told.", "関心を伝えました。掲載組織に通知されています。"},
	"intros.title":                    {"Introductions", "紹介"},
	"intros.lead":                     {"Every introduction you take part in, from the first interest to its outcome.", "関心表明から結果まで、あなたが関わる紹介の一覧です。"},
	"intros.lead.staff":               {"Every introduction on the platform. The stalled ones are the work queue.", "プラットフォーム上のすべての紹介です。停滞中のものが対応待ちです。"},
	"intros.filters":                  {"Show", "表示"},
	"intros.filter.open":              {"Open only", "進行中のみ"},
	"intros.filter.stalled":           {"Stalled only (no stage change for %d days)", "停滞中のみ(%d日間進展なし)"},
	"intros.filter.mine":              {"Assigned to me", "自分の担当"},
	"intros.filter.clear":             {"Show all", "すべて表示"},
	"intros.col.id":                   {"No.", "番号"},
	"intros.col.listing":              {"Listing", "掲載"},
	"intros.col.other":                {"Other party", "相手先"},
	"intros.col.parties":              {"Requester → owner", "依頼者 → 掲載組織"},
	"intros.col.stage":                {"Stage", "段階"},
	"intros.col.outcome":              {"Outcome", "結果"},
	"intros.col.changed":              {"Last change", "最終更新"},
	"intros.open.intro":               {"Introduction %d", "紹介 %d"},
	"intros.none":                     {"No introductions to show.", "表示する紹介はありません。"},
	"intros.none.help":                {"Find a listing and express interest on its page; interest in your organization's listings shows here too.", "掲載ページから関心を伝えると、ここに表示されます。自組織の掲載への関心表明もここに表示されます。"},
	"intros.sent":                     {"Sent", "送信"},
	"intros.received":                 {"Received", "受信"},
	"intros.stalled":                  {"Stalled", "停滞"},
	"intros.inprogress":               {"In progress", "進行中"},
	"intros.truncated":                {"Only the first %s are shown; narrow the list with the filters.", "最初の %s 件のみ表示しています。絞り込みをご利用ください。"},
	"intro.title":                     {"Introduction", "紹介"},
	"intro.back":                      {"All introductions", "紹介一覧"},
	"intro.hidden.org":                {"Confidential organization", "非公開の組織"},
	"intro.owner.hidden":              {"Confidential: the organization is shown once it accepts.", "非公開:承諾されると組織名が表示されます。"},
	"intro.unavailable":               {"This listing is no longer available to you.", "この掲載は現在閲覧できません。"},
	"intro.listing":                   {"Listing", "掲載"},
	"intro.requester":                 {"Requested by", "依頼者"},
	"intro.owner":                     {"Listing owner", "掲載組織"},
	"intro.related":                   {"Related listing", "関連する掲載"},
	"intro.coordinator":               {"Coordinator", "コーディネーター"},
	"intro.coordinator.none":          {"None assigned", "未割り当て"},
	"intro.opened":                    {"Opened", "開始日"},
	"intro.changed":                   {"Stage since", "現段階の開始"},
	"intro.message":                   {"The first message", "最初のメッセージ"},
	"intro.track":                     {"Progress", "進捗"},
	"intro.step.done":                 {"done", "完了"},
	"intro.step.current":              {"current stage", "現在の段階"},
	"intro.step.skipped":              {"not reached", "未到達"},
	"intro.step.todo":                 {"to come", "未着手"},
	"intro.stalled.note":              {"Stalled: the stage has not changed for more than %d days.", "停滞中:%d日以上、段階が変わっていません。"},
	"intro.outcome":                   {"Outcome", "結果"},
	"intro.reason":                    {"Reason", "理由"},
	"intro.agreement":                 {"Agreement", "契約内容"},
	"intro.agreement.type":            {"Type", "種類"},
	"intro.agreement.parties":         {"Parties (comma-separated)", "当事者(カンマ区切り)"},
	"intro.agreement.parties.short":   {"Parties", "当事者"},
	"intro.agreement.value":           {"Value", "金額"},
	"intro.agreement.currency":        {"Currency (ISO code, e.g. JPY, USD, GBP)", "通貨(ISOコード、例:JPY, USD, GBP)"},
	"intro.agreement.date":            {"Date signed", "締結日"},
	"intro.history":                   {"History", "経緯"},
	"intro.history.created":           {"Interest expressed", "関心表明"},
	"intro.system":                    {"Kakehashi", "架け橋"},
	"intro.someone.owner":             {"the listing's organization", "掲載組織"},
	"intro.former":                    {"a former user", "退会したユーザー"},
	"intro.actions":                   {"Next step", "次のステップ"},
	"intro.wait.owner":                {"Waiting for the listing's organization to accept or decline.", "掲載組織の承諾またはお断りを待っています。"},
	"intro.closed.note":               {"This introduction is closed.", "この紹介は終了しています。"},
	"intro.accept":                    {"Accept", "承諾する"},
	"intro.accept.help":               {"Accepting introduces both sides. For a confidential listing, it shows your organization to the requester.", "承諾すると双方が紹介されます。非公開の掲載では、依頼者に自組織名が表示されます。"},
	"intro.decline":                   {"Decline", "お断りする"},
	"intro.decline.help":              {"The requester always hears the reason.", "依頼者には必ず理由が伝えられます。"},
	"intro.reason.choose":             {"Choose a reason", "理由を選んでください"},
	"intro.reason.text":               {"Anything to add (optional)", "補足(任意)"},
	"intro.note":                      {"Note for the history (optional)", "経緯に残すメモ(任意)"},
	"intro.advance":                   {"Move to %s", "%sに進める"},
	"intro.agreement.record":          {"Record the agreement", "契約を記録する"},
	"intro.close.won":                 {"Close as won", "成約として終了"},
	"intro.close.lost":                {"Close as lost", "不成立として終了"},
	"intro.assign":                    {"Assign a coordinator", "コーディネーターを割り当てる"},
	"intro.assign.button":             {"Assign", "割り当てる"},
	"intro.messages":                  {"Messages", "メッセージ"},
	"intro.messages.none":             {"No messages yet.", "まだメッセージはありません。"},
	"intro.messages.label":            {"Write a message to the other parties", "相手方へのメッセージ"},
	"intro.messages.post":             {"Post message", "送信する"},
	"intro.saved":                     {"Done.", "更新しました。"},
	"intro.posted":                    {"Message posted.", "メッセージを送信しました。"},
	"intro.conflict":                  {"This introduction changed since you opened the page, or it is closed. Here is where it stands now.", "ページを開いた後に紹介が更新されたか、終了しています。現在の状態を表示しています。"},
	"intro.unknown":                   {"Unknown action.", "不明な操作です。"},
	"pipe.err.reason":                 {"Choose a reason.", "理由を選んでください。"},
	"pipe.err.outcome":                {"This way of closing is not allowed here.", "この方法では終了できません。"},
	"pipe.err.won":                    {"Only an introduction that reached an agreement can be won.", "成約にできるのは契約段階に達した紹介だけです。"},
	"pipe.err.parties":                {"Name at least two parties, separated by commas.", "当事者を2者以上、カンマ区切りで入力してください。"},
	"pipe.err.currency":               {"Enter an ISO 4217 currency code such as JPY, USD or GBP.", "通貨はISO 4217のコード(例:JPY, USD, GBP)で入力してください。"},
	"pipe.err.value":                  {"The value must not be negative.", "金額は0以上で入力してください。"},
	"pipe.err.amount":                 {"Enter an amount such as 12,000,000 or 1250.50.", "金額は 12,000,000 や 1250.50 のように入力してください。"},
	"pipe.err.own":                    {"This is your own organization's listing.", "自組織の掲載です。"},
	"pipe.err.related":                {"Choose one of your organization's listings.", "自組織の掲載を選んでください。"},
	"pipe.err.coordinator":            {"Choose an active coordinator or admin.", "有効なコーディネーターまたは管理者を選んでください。"},
	"pipe.err.agreement":              {"Record the agreement to reach this stage.", "この段階に進むには契約内容の記録が必要です。"},
	"inbox.title":                     {"Inbox", "お知らせ"},
	"inbox.none":                      {"Nothing here yet. You hear here when someone is interested in your listings, when an introduction moves and when a message arrives.", "お知らせはまだありません。掲載への関心表明、紹介の進展、メッセージの受信をここでお知らせします。"},
	"inbox.markall":                   {"Mark all as read", "すべて既読にする"},
	"inbox.unread":                    {"Unread", "未読"},
	"inbox.kind.interest":             {"New interest in your listing", "掲載への関心表明"},
	"inbox.kind.stage":                {"An introduction moved", "紹介の段階が変わりました"},
	"inbox.kind.message":              {"New message", "新しいメッセージ"},
	"inbox.kind.assigned":             {"You follow an introduction", "紹介の担当になりました"},
	"inbox.kind.stalled":              {"A stalled introduction", "停滞中の紹介"},
	"inbox.kind.alert":                {"A new seed for your saved alert", "保存した条件に合う新しいシーズ"},
	"inbox.kind.other":                {"Notification", "お知らせ"},
	"dash.intros":                     {"My open introductions", "進行中の紹介"},
	"dash.intros.none":                {"No open introductions. Express interest on a listing's page to start one.", "進行中の紹介はありません。掲載ページから関心を伝えると始まります。"},
	"dash.intros.all":                 {"All introductions", "すべての紹介"},
	"screen.nav":                      {"Screening", "スクリーニング"},
	"screen.lists":                    {"Loaded lists", "読み込み済みのリスト"},
	"screen.nolists":                  {"No list is loaded. Load one with: kakehashi screen load --format csl FILE", "リストが読み込まれていません。kakehashi screen load --format csl FILE で読み込んでください。"},
	"screen.check":                    {"Check a name", "名称を照合する"},
	"screen.name":                     {"Name", "名称"},
	"screen.country":                  {"Country (ISO code, optional)", "国(ISOコード、任意)"},
	"screen.run":                      {"Check", "照合"},
	"screen.nohit":                    {"No potential match.", "該当の可能性はありません。"},
	"screen.browse":                   {"Browse entries", "エントリを閲覧"},
	"screen.entries":                  {"entries", "件"},
	"screen.loaded":                   {"loaded", "読み込み日"},
	"screen.title":                    {"Export-control screening", "輸出管理スクリーニング"},
	"screen.never":                    {"Not screened yet.", "まだスクリーニングされていません。"},
	"screen.clear":                    {"Clear", "該当なし"},
	"screen.potential":                {"Potential match: awaiting a decision", "該当の可能性あり:判断待ち"},
	"screen.blocked":                  {"Blocked", "取引不可"},
	"screen.when":                     {"Screened", "実施日"},
	"screen.version":                  {"list version", "リスト版"},
	"screen.decision":                 {"Decision", "判断"},
	"screen.score":                    {"score", "スコア"},
	"screen.decide":                   {"Your decision", "判断"},
	"screen.reason":                   {"Reason, for the record", "理由(記録に残ります)"},
	"screen.record":                   {"Record the decision", "判断を記録する"},
	"screen.now":                      {"Screen now", "今すぐスクリーニング"},
	"intro.hold":                      {"On hold for export-control review: the requesting organization must be cleared by a coordinator before this interest can be accepted.", "輸出管理の確認のため保留中です。コーディネーターが依頼元の組織を確認するまで、この関心表明は承諾できません。"},
	"error.title":                     {"Something went wrong", "エラーが発生しました"},
	"error.notfound":                  {"This page does not exist, or you may not see it.", "このページは存在しないか、閲覧権限がありません。"},
	"error.forbidden":                 {"You may not do this.", "この操作は許可されていません。"},
	"error.internal":                  {"An internal error occurred. Please try again.", "内部エラーが発生しました。もう一度お試しください。"},
	"error.back":                      {"Back to the home page", "トップページへ戻る"},

	// Saved alerts and webhooks (notify.go).
	"nav.alerts":                          {"Alerts", "アラート"},
	"alerts.title":                        {"My alerts", "マイアラート"},
	"alerts.lead":                         {"Each alert watches one need: when a newly published seed ranks among its best matches, you hear about it in your inbox, by e-mail and in your feed.", "アラートはニーズごとに設定します。新しく掲載されたシーズがそのニーズの上位マッチングに入ると、お知らせ・メール・フィードでお知らせします。"},
	"alerts.need":                         {"Need", "ニーズ"},
	"alerts.created":                      {"Saved on", "登録日"},
	"alerts.delete":                       {"Delete", "削除"},
	"alerts.gone":                         {"A need you may no longer see", "閲覧できなくなったニーズ"},
	"alerts.none":                         {"No alerts yet. Open a need and choose “Tell me about new matching seeds”.", "アラートはまだありません。ニーズのページで「新しくマッチするシーズを知らせる」を選んでください。"},
	"alerts.saved":                        {"Alert saved. New matching seeds will be announced from now on.", "アラートを登録しました。今後掲載されるマッチするシーズをお知らせします。"},
	"alerts.exists":                       {"You already have an alert on this need.", "このニーズのアラートは登録済みです。"},
	"alerts.deleted":                      {"Alert deleted.", "アラートを削除しました。"},
	"alerts.invalid":                      {"Alerts can only be saved on needs you may see.", "アラートは閲覧できるニーズにのみ登録できます。"},
	"alerts.feed":                         {"Subscribe in a feed reader", "フィードリーダーで購読する"},
	"alerts.feed.lead":                    {"This Atom feed lists your notifications, alert matches included. The address itself is the key: keep it private.", "このAtomフィードにはアラートのマッチングを含むお知らせが載ります。アドレス自体が鍵になるため、他人に知らせないでください。"},
	"alerts.listing.title":                {"Alert", "アラート"},
	"alerts.listing.lead":                 {"Hear about seeds published later that match this need, in your inbox, by e-mail and in your feed.", "今後掲載される、このニーズにマッチするシーズをお知らせ・メール・フィードでお知らせします。"},
	"alerts.listing.button":               {"Tell me about new matching seeds", "新しくマッチするシーズを知らせる"},
	"alerts.listing.saved":                {"You have an alert on this need since %s.", "%sからこのニーズのアラートを登録しています。"},
	"alerts.listing.manage":               {"Manage my alerts", "マイアラートを管理"},
	"hooks.title":                         {"Webhooks", "Webhook"},
	"hooks.manage":                        {"Manage webhooks", "Webhookを管理"},
	"hooks.lead":                          {"Each subscribed event is POSTed to the address as JSON, signed with the webhook's secret; failed calls are retried with back-off.", "登録したイベントは、Webhookのシークレットで署名したJSONとしてアドレスへPOSTされます。失敗した呼び出しは間隔をあけて再試行されます。"},
	"hooks.url":                           {"Address (URL)", "送信先URL"},
	"hooks.events":                        {"Events", "イベント"},
	"hooks.state":                         {"State", "状態"},
	"hooks.created":                       {"Created", "作成日"},
	"hooks.active":                        {"Active", "有効"},
	"hooks.inactive":                      {"Removed", "削除済み"},
	"hooks.delete":                        {"Delete", "削除"},
	"hooks.deleted":                       {"Webhook deleted. Its delivery log is kept.", "Webhookを削除しました。配信履歴は保持されます。"},
	"hooks.none":                          {"No webhooks yet.", "Webhookはまだありません。"},
	"hooks.new":                           {"Add a webhook", "Webhookを追加"},
	"hooks.create":                        {"Add webhook", "追加する"},
	"hooks.created.title":                 {"Webhook added", "Webhookを追加しました"},
	"hooks.secret.once":                   {"Copy this secret now and store it safely: it is shown only this once and cannot be shown again. To get a new one, delete the webhook and add it again.", "このシークレットを今すぐコピーして安全に保管してください。表示されるのは今回だけで、再表示はできません。新しいシークレットが必要な場合は、Webhookを削除して追加し直してください。"},
	"hooks.secret.how":                    {"Each call carries X-Kakehashi-Signature: sha256=<hex HMAC-SHA256 of the body keyed with this secret>, and X-Kakehashi-Delivery, unique per message, to drop duplicates.", "各呼び出しには X-Kakehashi-Signature: sha256=<このシークレットを鍵とした本文のHMAC-SHA256(16進)> と、重複排除に使えるメッセージごとに一意の X-Kakehashi-Delivery が付きます。"},
	"hooks.event.introduction.created":    {"Someone expressed interest", "関心表明があったとき"},
	"hooks.event.introduction.transition": {"An introduction moved", "紹介の段階が変わったとき"},
	"hooks.event.message.created":         {"A message was posted", "メッセージが投稿されたとき"},
	"hooks.err.url":                       {"Enter an absolute http or https address without a user name or password.", "ユーザー名やパスワードを含まない、http または https の完全なURLを入力してください。"},
	"hooks.err.events":                    {"Choose at least one event.", "イベントを1つ以上選んでください。"},
	"hooks.deliveries":                    {"Delivery log", "配信履歴"},
	"hooks.deliveries.none":               {"Nothing delivered yet.", "まだ配信はありません。"},
	"hooks.time":                          {"Time", "日時"},
	"hooks.event":                         {"Event", "イベント"},
	"hooks.attempt":                       {"Attempt", "試行"},
	"hooks.result":                        {"Result", "結果"},
	"hooks.detail":                        {"Detail", "詳細"},
	"hooks.ok":                            {"Delivered", "配信済み"},
	"hooks.failed":                        {"Failed", "失敗"},
}

// catalogs are every message table: the core's and each feature's.
var catalogs = []map[string][2]string{messages, callMessages, eventMessages, kpiMessages, researcherMessages, consortiumMessages, xlingMessages}

// lookup finds a message in the catalogs.
func lookup(key string) ([2]string, bool) {
	for _, c := range catalogs {
		if m, ok := c[key]; ok {
			return m, true
		}
	}
	return [2]string{}, false
}

// T translates a message key; fmt arguments fill its verbs.
func translate(lang, key string, args ...any) string {
	m, ok := lookup(key)
	if !ok {
		return key
	}
	s := m[0]
	if lang == langJA {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// enumLabels names the values of the domain's enumerations in both languages.
var enumLabels = map[string][2]string{
	"seed": {"Seed", "シーズ"}, "need": {"Need", "ニーズ"},
	"technology": {"Technology", "技術"}, "patent": {"Patent", "特許"}, "dataset": {"Dataset", "データセット"}, "facility": {"Facility", "設備"},
	"challenge": {"Technical challenge", "技術課題"}, "partner_search": {"Partner search", "パートナー探索"}, "procurement": {"Procurement", "調達"},
	"joint_research": {"Joint research", "共同研究"}, "license": {"Licence", "ライセンス"}, "commissioned_research": {"Commissioned research", "受託研究"},
	"investment": {"Investment", "出資"}, "supply": {"Supply", "供給"}, "consortium": {"Consortium", "コンソーシアム"},
	"public": {"Public", "一般公開"}, "members": {"Members only", "会員限定"}, "confidential": {"Confidential", "非公開"},
	"draft": {"Draft", "下書き"}, "open": {"Open", "募集中"}, "closed": {"Closed", "終了"}, "archived": {"Archived", "アーカイブ"},
	"none": {"None", "なし"}, "pending": {"Pending", "出願中"}, "granted": {"Granted", "登録済"}, "expired": {"Expired", "失効"},
	"company": {"Company", "企業"}, "sme": {"SME", "中小企業"}, "startup": {"Startup", "スタートアップ"}, "university": {"University", "大学"},
	"research_institute": {"Research institute", "研究機関"}, "tlo": {"Technology licensing office", "TLO(技術移転機関)"},
	"government": {"Government", "行政機関"}, "funder": {"Funder", "資金提供機関"}, "support_agency": {"Support agency", "支援機関"},
	"cleared": {"Cleared (not the listed party)", "該当せず(別の組織)"}, "blocked": {"Blocked (the listed party)", "該当(取引不可)"},
	"member": {"Member", "メンバー"}, "org_admin": {"Organization admin", "組織管理者"}, "coordinator": {"Coordinator", "コーディネーター"}, "admin": {"Platform admin", "プラットフォーム管理者"},
	"en": {"English", "英語"}, "ja": {"Japanese", "日本語"},
	"agriculture": {"Agriculture", "農業"}, "ai_data": {"AI and data", "AI・データ"}, "automotive": {"Automotive", "自動車"}, "biotech": {"Biotechnology", "バイオテクノロジー"},
	"chemicals": {"Chemicals", "化学"}, "construction": {"Construction", "建設"}, "defense_security": {"Defence and security", "防衛・安全保障"},
	"education": {"Education", "教育"}, "electronics": {"Electronics", "エレクトロニクス"}, "energy": {"Energy", "エネルギー"},
	"environment": {"Environment", "環境"}, "finance": {"Finance", "金融"}, "food": {"Food", "食品"}, "healthcare": {"Healthcare", "ヘルスケア"},
	"ict": {"ICT", "情報通信"}, "logistics": {"Logistics", "物流"}, "manufacturing": {"Manufacturing", "ものづくり"}, "marine": {"Marine", "海洋"},
	"materials": {"Materials", "材料"}, "medical_devices": {"Medical devices", "医療機器"}, "mobility": {"Mobility", "モビリティ"},
	"pharma": {"Pharmaceuticals", "医薬品"}, "public_sector": {"Public sector", "公共"}, "robotics": {"Robotics", "ロボット"},
	"semiconductors": {"Semiconductors", "半導体"}, "space": {"Space", "宇宙"}, "telecom": {"Telecommunications", "通信"}, "water": {"Water", "水"},
}

// label names an enumeration value; unknown values are shown as they are.
func label(lang, v string) string {
	if l, ok := enumLabels[v]; ok {
		if lang == langJA {
			return l[1]
		}
		return l[0]
	}
	return v
}

// countryNames names the countries listings usually come from; other codes
// are shown as codes.
var countryNames = map[string][2]string{
	"JP": {"Japan", "日本"}, "US": {"United States", "米国"}, "GB": {"United Kingdom", "英国"}, "DE": {"Germany", "ドイツ"},
	"FR": {"France", "フランス"}, "SG": {"Singapore", "シンガポール"}, "KR": {"South Korea", "韓国"}, "TW": {"Taiwan", "台湾"},
	"CA": {"Canada", "カナダ"}, "AU": {"Australia", "オーストラリア"}, "NL": {"Netherlands", "オランダ"}, "SE": {"Sweden", "スウェーデン"},
	"IN": {"India", "インド"}, "IL": {"Israel", "イスラエル"}, "CH": {"Switzerland", "スイス"}, "CN": {"China", "中国"}, "IT": {"Italy", "イタリア"},
	"ES": {"Spain", "スペイン"}, "FI": {"Finland", "フィンランド"}, "DK": {"Denmark", "デンマーク"}, "TH": {"Thailand", "タイ"}, "VN": {"Vietnam", "ベトナム"},
}

func countryName(lang, cc string) string {
	if n, ok := countryNames[cc]; ok {
		if lang == langJA {
			return n[1]
		}
		return n[0]
	}
	return cc
}

// fieldName names an OECD field of science; Japanese uses the English name
// after the code, as Japanese funders commonly do.
func fieldName(code string) string {
	if n, ok := kakehashi.FieldsOfScience[code]; ok {
		return code + " " + n
	}
	return code
}

// formatDate writes a date the way each language does.
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == langJA {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	return t.Format("2 Jan 2006")
}

// formatNumber groups thousands (both languages use commas).
func formatNumber(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatNumber(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
